package onnx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// ExternalData lists the files an ONNX model keeps its tensors in (the
// "location" of every tensor stored outside the .onnx file: initializers,
// sparse initializers, and tensor attributes of nodes, subgraphs
// included), relative to the model's folder, sorted. It reads the model's
// protobuf without decoding tensor data, so a multi-gigabyte model costs
// one pass over its bytes.
func ExternalData(file string) ([]string, error) {
	s := &pbScanner{locs: map[string]bool{}}
	err := scanModel(file, func(r *bufio.Reader, size int64) error {
		s.r = r
		return s.message(size, msgModel, 0)
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(s.locs))
	for l := range s.locs {
		out = append(out, l)
	}
	sort.Strings(out)
	return out, nil
}

// Protobuf messages the scanner descends into, and the fields that lead
// to tensors (onnx.proto).
type msgKind int

const (
	msgModel msgKind = iota
	msgGraph
	msgNode
	msgAttribute
	msgTensor
	msgSparse
	msgEntry
	msgFunction
)

// children maps a message kind's field numbers to the kinds they hold.
var children = map[msgKind]map[uint64]msgKind{
	msgModel:     {7: msgGraph, 25: msgFunction},
	msgGraph:     {1: msgNode, 5: msgTensor, 15: msgSparse},
	msgFunction:  {7: msgNode},
	msgNode:      {5: msgAttribute},
	msgAttribute: {5: msgTensor, 6: msgGraph, 10: msgTensor, 11: msgGraph, 22: msgSparse, 23: msgSparse},
	msgSparse:    {1: msgTensor, 2: msgTensor},
	msgTensor:    {13: msgEntry},
}

// maxNesting bounds subgraph depth (If and Loop bodies).
const maxNesting = 64

type pbScanner struct {
	r    *bufio.Reader
	locs map[string]bool
	// entry collects a StringStringEntryProto's key and value.
	key, value string
}

var errTruncated = errors.New("truncated protobuf")

func (s *pbScanner) varint(left *int64) (uint64, error) { return readVarint(s.r, left) }

func (s *pbScanner) skip(n int64, left *int64) error { return discard(s.r, n, left) }

// message scans n bytes holding one message of kind k.
func (s *pbScanner) message(n int64, k msgKind, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("messages nested more than %d deep", maxNesting)
	}
	left := n
	for left > 0 {
		tag, err := s.varint(&left)
		if err != nil {
			return err
		}
		field, wire := tag>>3, tag&7
		switch wire {
		case 0:
			if _, err := s.varint(&left); err != nil {
				return err
			}
		case 1:
			err = s.skip(8, &left)
		case 5:
			err = s.skip(4, &left)
		case 2:
			l, err := s.varint(&left)
			if err != nil {
				return err
			}
			if l > uint64(left) {
				return errTruncated
			}
			if child, ok := children[k][field]; ok {
				if child == msgEntry {
					s.key, s.value = "", ""
				}
				if err := s.message(int64(l), child, depth+1); err != nil {
					return err
				}
				left -= int64(l)
				// external_data {key: "location", value: FILE} of a tensor
				if child == msgEntry && s.key == "location" {
					if err := s.addLocation(s.value); err != nil {
						return err
					}
				}
				continue
			}
			if k == msgEntry && (field == 1 || field == 2) && l <= 4096 {
				buf := make([]byte, l)
				if _, err := io.ReadFull(s.r, buf); err != nil {
					return errTruncated
				}
				left -= int64(l)
				if field == 1 {
					s.key = string(buf)
				} else {
					s.value = string(buf)
				}
				continue
			}
			err = s.skip(int64(l), &left)
		default:
			return fmt.Errorf("wire type %d", wire)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// addLocation records an external data file, refusing paths that leave
// the model's folder.
func (s *pbScanner) addLocation(loc string) error {
	clean := path.Clean(strings.ReplaceAll(loc, "\\", "/"))
	if loc == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("external data location %q is outside the model's folder", loc)
	}
	s.locs[clean] = true
	return nil
}

// scanModel streams an ONNX file through scan, given its buffered reader
// and size; scan's errors come back naming the file.
func scanModel(file string, scan func(r *bufio.Reader, size int64) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := scan(bufio.NewReaderSize(f, 1<<16), fi.Size()); err != nil {
		return fmt.Errorf("%s: not a readable ONNX model: %w", file, err)
	}
	return nil
}
