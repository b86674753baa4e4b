package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/evalclip/evalclip/internal/panics"
)

// command is one subcommand.
type command struct {
	name    string
	args    string // argument synopsis, e.g. "[flags] SUITE"
	summary string // one line
	// flags declares the command's flags on fs and returns the function that
	// runs it with the positional arguments.
	flags func(fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer, args []string) error
}

var commands = map[string]*command{}

// register adds a subcommand; each command's file calls it from init.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("evalclip: command " + c.name + " registered twice")
	}
	commands[c.name] = c
}

// usageError is a bad invocation; the CLI exits 2 and prints the hint.
type usageError struct {
	msg  string
	hint string
}

func (e *usageError) Error() string { return e.msg }

func usagef(hint, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// baseContext is the parent of every command's context (tests replace it).
var baseContext = context.Background

// run is the whole CLI: args excludes the program name. A panic is an
// internal error of the command (exit status 1), not a crash.
func run(stdout, stderr io.Writer, args []string) (err error) {
	defer panics.Recover(&err)
	if len(args) == 0 {
		printUsage(stderr)
		return usagef("", "no command given")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		printUsage(stdout)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		return usagef("Run 'evalclip help' for the list of commands.", "unknown command %q", name)
	}
	fs := flag.NewFlagSet("evalclip "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	exec := c.flags(fs)
	fs.Usage = func() { commandUsage(fs.Output(), c, fs) }
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef(fmt.Sprintf("Run 'evalclip help %s' for usage.", name), "%s: %v", name, err)
	}
	ctx, stop := signal.NotifyContext(baseContext(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the process the default way
	}()
	return exec(ctx, stdout, stderr, pos)
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("run suite.toml --out dir"); "--" ends flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first non-flag, or after "--".
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: evalclip %s %s\n\n%s\n", c.name, c.args, c.summary)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "evalclip evaluates CLIP-style image-text models: zero-shot and linear-probe")
	fmt.Fprintln(w, "classification from TOML suites, similarity-kernel timing, tables and plots.")
	fmt.Fprintln(w, "\nusage: evalclip <command> [arguments]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'evalclip help <command>' for a command's flags.")
	fmt.Fprintln(w, "Exit status: 0 ok, 1 run failed, 2 usage or config error, 130 interrupted.")
}

func init() {
	register(&command{
		name:    "help",
		args:    "[command]",
		summary: "show help for evalclip or one command",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			return func(_ context.Context, stdout, _ io.Writer, args []string) error {
				switch len(args) {
				case 0:
					printUsage(stdout)
					return nil
				case 1:
					c, ok := commands[args[0]]
					if !ok {
						return usagef("Run 'evalclip help' for the list of commands.", "unknown command %q", args[0])
					}
					cfs := flag.NewFlagSet("evalclip "+c.name, flag.ContinueOnError)
					c.flags(cfs)
					cfs.SetOutput(stdout)
					commandUsage(stdout, c, cfs)
					return nil
				}
				return usagef("", "help takes at most one command, got %s", strings.Join(args, " "))
			}
		},
	})
}
