// Command healthprobe is a health probe for the command line, cron and
// Nagios/Icinga: each check runs once, prints a plugin result and exits
// 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN.
package main

import (
	"context"
	"io"
	"log"
	"os"
)

func main() { os.Exit(Main()) }

// Main runs healthprobe with the process's arguments and returns the exit
// code: the one exit point is main's.
func Main() int {
	// net/http writes some complaints about a server to the standard
	// logger ("Unsolicited response received on idle HTTP channel"); the
	// check reports what matters in its result, and stderr is for -v.
	log.SetOutput(io.Discard)
	ctx, signals, stop := watchSignals(context.Background(), signalGrace)
	defer stop()
	return run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, signals: signals})
}
