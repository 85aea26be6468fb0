package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestMigratingExamples holds docs/migrating.md's examples and
// testdata/migrating.txtar together: every example's options, in its
// order, are run by a line of the script (on a loopback URL, with other
// values for hosts and files, perhaps a --ca-file or -k at the end).
func TestMigratingExamples(t *testing.T) {
	doc, err := os.ReadFile(migratingFile)
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("testdata/migrating.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var runs [][]string
	for _, line := range strings.Split(string(script), "\n") {
		if w := shellWords(line); len(w) > 3 && w[0] == "code" && w[2] == "healthprobe" {
			runs = append(runs, flagNames(w[3:]))
		}
	}
	inSh, examples := false, 0
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			inSh = true
		case strings.HasPrefix(line, "```"):
			inSh = false
		case inSh && strings.HasPrefix(line, "healthprobe "):
			examples++
			want := flagNames(shellWords(line)[1:])
			if !slices.ContainsFunc(runs, func(run []string) bool { return len(run) >= len(want) && slices.Equal(run[:len(want)], want) }) {
				t.Errorf("no line of testdata/migrating.txtar runs the example's options %q:\n%s", want, line)
			}
		}
	}
	if examples < 30 {
		t.Errorf("only %d examples found in %s", examples, migratingFile)
	}
}

// flagNames are a command's subcommand and the names of its flags, in order.
func flagNames(words []string) []string {
	out := []string{words[0]}
	for _, w := range words[1:] {
		if strings.HasPrefix(w, "-") {
			out = append(out, w)
		}
	}
	return out
}

// shellWords splits a line as sh and testscript do for these lines:
// blanks separate words, single quotes keep them.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	in, quoted := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}
