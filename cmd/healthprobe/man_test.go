package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestManPages: one page per visible command, reproducible, dated by
// SOURCE_DATE_EPOCH, with the flags of the command.
func TestManPages(t *testing.T) {
	vars := map[string]string{"SOURCE_DATE_EPOCH": "1700000000"} // 14 Nov 2023
	dir1, dir2 := t.TempDir(), t.TempDir()
	var said string
	for _, dir := range []string{dir1, dir2} {
		code, out, errOut := runArgs(t, vars, "man", dir)
		if code != 0 || !strings.HasPrefix(out, "wrote ") || errOut != "" {
			t.Fatalf("healthprobe man: exit %d, %q %q", code, out, errOut)
		}
		said = strings.Replace(out, dir, "DIR", 1)
	}
	// every command a user can run, read from the tree the way --help shows it
	root := testRoot(t)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var want []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		want = append(want, strings.ReplaceAll(c.CommandPath(), " ", "-")+".1")
		for _, sub := range c.Commands() {
			if !sub.Hidden && sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk(root)
	sort.Strings(want)
	entries, err := os.ReadDir(dir1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("man pages %v, want %v", got, want)
	}
	if w := fmt.Sprintf("wrote %d man pages to DIR\n", len(want)); said != w {
		t.Errorf("healthprobe man said %q, want %q", said, w)
	}
	musts := []string{"healthprobe.1", "healthprobe-demo.1", "healthprobe-completion-bash.1"}
	for _, k := range kindNames() {
		musts = append(musts, "healthprobe-"+k+".1")
	}
	for _, must := range musts {
		if !contains(got, must) {
			t.Errorf("no %s in %v", must, got)
		}
	}
	for _, name := range got {
		a, err := os.ReadFile(filepath.Join(dir1, name))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", name)
		}
		title := strings.ToUpper(strings.TrimSuffix(name, ".1"))
		th := "\n" + `.TH "` + title + `" "1" "2023-11-14" "healthprobe dev" "healthprobe manual"` + "\n"
		if !strings.Contains(string(a), th) {
			t.Errorf("%s lacks the header %q", name, th)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir1, "healthprobe-http.1"))
	for _, want := range []string{
		// a description of its own, not the one-liner again: the states,
		// the perfdata and the range syntax
		".SH DESCRIPTION\nhttp asks URL once",
		"1xx to 3xx OK, 4xx WARNING, 5xx CRITICAL",
		"Perfdata:\ntime (s, the whole exchange",
		"@10:20  inside 10..20, endpoints included",
		// the options in their groups, the global ones among them
		".SH OPTIONS\n.SS Request\n.TP\n\\fB\\-d\\fR, \\fB\\-\\-data\\fR \\fIstring\\fR\nrequest body\n",
		".SS Connection\n.TP\n\\fB\\-I\\fR, \\fB\\-\\-address\\fR \\fIstring\\fR\nconnect to ADDRESS[:PORT] instead",
		".SS Authentication\n.TP\n\\fB\\-\\-auth\\fR \\fIscheme\\fR\nauthentication scheme: auto (answer the server's challenge), basic or digest (default auto)\n",
		".TP\n\\fB\\-s\\fR, \\fB\\-\\-keyword\\fR \\fIstringArray\\fR\nthe body must contain this text (repeatable: all must be present)\n",
		".TP\n\\fB\\-\\-password\\-env\\fR \\fIstring\\fR\n",
		".TP\n\\fB\\-t\\fR, \\fB\\-\\-timeout\\fR \\fIduration\\fR\ntotal deadline for the whole check: connect, TLS, redirects and body (10 or 10s) (default 10s)\n",
		// defaults written one way: a size as a size, a state as typed
		"read at most this much of a body (1048576, 512K, 1MiB); more is reported (default 1MiB)\n",
		"state reported on a timeout: ok, warning, critical or unknown (default critical)\n",
		".SS Output\n",
		".TP\n\\fB\\-v\\fR, \\fB\\-\\-verbose\\fR\nmore detail",
		".SH EXAMPLES\n.nf\n  healthprobe http https://example.com/health \\-s '\"status\":\"up\"' \\-w 0.5 \\-c 2\n",
		".SH EXIT STATUS\n.TP\n0\nOK\n",
		".SH SEE ALSO\n\\fBhealthprobe\\fR(1)\n",
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("healthprobe-http.1 lacks %q", want)
		}
	}
	if contains(got, "healthprobe-help.1") {
		t.Errorf("a page for help")
	}
	// the packaging tools have pages, and no page lists a global flag its
	// command does not take (the thirteen showed under every command)
	for name, global := range map[string]bool{"healthprobe-man.1": false, "healthprobe-contrib.1": false,
		"healthprobe-completion-bash.1": false, "healthprobe-demo.1": false,
		"healthprobe-notify-verify.1": true, // -t alone: it reads stdin under it
		"healthprobe-http.1":          true, "healthprobe-run.1": true} {
		page, err := os.ReadFile(filepath.Join(dir1, name))
		if err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(string(page), "\\-\\-timeout\\fR"); has != global {
			t.Errorf("%s lists --timeout: %v, want %v", name, has, global)
		}
	}
}

func TestManErrors(t *testing.T) {
	code, out, _ := runArgs(t, map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, "man", t.TempDir())
	if code != 3 || out != "MAN UNKNOWN - invalid SOURCE_DATE_EPOCH \"yesterday\"\n" {
		t.Errorf("bad SOURCE_DATE_EPOCH: exit %d %q", code, out)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runArgs(t, nil, "man", file)
	if code != 3 || !strings.HasPrefix(out, "MAN UNKNOWN - mkdir "+file+": not a directory") {
		t.Errorf("DIR is a file: exit %d %q", code, out)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRoffEscaping(t *testing.T) {
	for in, want := range map[string]string{
		`plain text`:         `plain text`,
		`--flag a\b`:         `\-\-flag a\eb`,
		`.starts with a dot`: `\&.starts with a dot`,
		`'quoted`:            `\&'quoted`,
	} {
		if got := roffLine(in); got != want {
			t.Errorf("roffLine(%q) = %q, want %q", in, got, want)
		}
	}
	var b bytes.Buffer
	writeRoffParagraphs(&b, "first para\nsame para\n\n  indented command\n  second\nafter\n\nlast")
	want := "first para\nsame para\n.PP\n.RS 4\n.nf\nindented command\nsecond\n.fi\n.RE\nafter\n.PP\nlast\n"
	if b.String() != want {
		t.Errorf("paragraphs:\n%s\nwant\n%s", b.String(), want)
	}
}

// FuzzRoffLine: an escaped line is never a roff request and has no bare
// hyphen or backslash escape that the text did not ask for.
func FuzzRoffLine(f *testing.F) {
	for _, s := range []string{".TH x", "'x", `\fB`, "--flag", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "\n") {
			return // callers split lines first
		}
		got := roffLine(s)
		if strings.HasPrefix(got, ".") || strings.HasPrefix(got, "'") {
			t.Fatalf("roffLine(%q) = %q starts a request", s, got)
		}
		back := strings.NewReplacer(`\&`, "", `\e`, `\`, `\-`, "-").Replace(got)
		if back != s {
			t.Fatalf("roffLine(%q) = %q does not read back (%q)", s, got, back)
		}
	})
}
