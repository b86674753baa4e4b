// Package tty tells whether output goes to a terminal, where progress is
// drawn in place; elsewhere (CI logs, files) it is written as lines.
package tty
