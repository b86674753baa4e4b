// Package atomicfile writes files so that readers see either the old content
// or the complete new content, never a half-written file.
//
// Data goes to a temporary file in the destination's folder, is synced to
// disk, and is renamed over the destination. Every output evalclip writes
// (results.json, tables, plots, cached features) goes through here, so an
// interrupted run leaves complete files or none.
package atomicfile
