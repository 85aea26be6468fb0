package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestContribUpToDate fails when the committed contrib files differ from
// what the command tree gives now: a check or flag was added or changed
// without regenerating them.
func TestContribUpToDate(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runArgs(t, nil, "contrib", dir)
	if code != 0 {
		t.Fatalf("healthprobe contrib: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range contribFiles {
		got, err := os.ReadFile(filepath.Join(dir, f.path))
		if err != nil {
			t.Fatal(err)
		}
		committed := filepath.Join("..", "..", "contrib", f.path)
		want, err := os.ReadFile(committed)
		if err != nil {
			t.Fatalf("%v: run `go generate ./cmd/healthprobe` and commit contrib/", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("contrib/%s is out of date with the command tree (%s): run `go generate ./cmd/healthprobe` and commit the result",
				filepath.ToSlash(f.path), firstDiff(want, got))
		}
	}
}

// firstDiff describes the first line where two files differ.
func firstDiff(committed, generated []byte) string {
	a, b := strings.Split(string(committed), "\n"), strings.Split(string(generated), "\n")
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: committed %q, generated %q", i+1, x, y)
		}
	}
	return "same lines"
}

func testRoot(t *testing.T) *cobra.Command {
	t.Helper()
	rs := newRunState(env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
		getenv: func(string) string { return "" }})
	return newRootCmd(defaultFlags(), rs)
}

func TestCheckSpecsHTTP(t *testing.T) {
	checks, err := checkSpecs(testRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range checks {
		names = append(names, c.name)
	}
	if strings.Contains(strings.Join(names, " "), "demo") || strings.Contains(strings.Join(names, " "), "man") {
		t.Errorf("non-checks listed as checks: %v", names)
	}
	var http *checkSpec
	for i := range checks {
		if checks[i].name == "http" {
			http = &checks[i]
		}
	}
	if http == nil {
		t.Fatalf("no http check in %v", names)
	}
	if len(http.args) != 1 || http.args[0] != (argSpec{name: "URL"}) {
		t.Errorf("args %+v, want one required URL", http.args)
	}
	kinds := map[string]flagKind{}
	for _, f := range http.flags {
		kinds[f.name] = f.kind
	}
	for name, want := range map[string]flagKind{"keyword": flagRepeat, "header": flagRepeat, "insecure": flagBool,
		"json": flagBool, "warning": flagValue, "max-body": flagValue, "user": flagValue} {
		if got, ok := kinds[name]; !ok || got != want {
			t.Errorf("flag %s: kind %v (present %v), want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{"help", "password", "password-env", "password-file", "bearer-env", "timeout", "output"} {
		if _, ok := kinds[name]; ok {
			t.Errorf("flag %s listed as a plain option", name)
		}
	}
	want := []secretSpec{{name: "bearer", what: "bearer token for the Authorization header"},
		{name: "oauth2-client-secret", what: "OAuth2 client secret", plain: true}, {name: "password", what: "password for --user", plain: true}}
	if !slices.Equal(http.secrets, want) {
		t.Errorf("secrets %+v, want %+v", http.secrets, want)
	}
	globals := globalSpecs(testRoot(t))
	if len(globals) != 2 || globals[0].name != "timeout" || globals[1].name != "timeout-state" {
		t.Errorf("globals %+v", globals)
	}
}

// TestContribCoversANewCheck: a check merged later gets its definitions
// with no change to the generators, every kind of flag and secret included;
// only a $USERn$ for its secret must be assigned.
func TestContribCoversANewCheck(t *testing.T) {
	root := testRoot(t)
	var s secretFlags
	var o struct {
		node          string
		tags          []string
		list          []string
		dryRun, quiet bool
		debug         int
	}
	fake := &cobra.Command{Use: "fakecheck NODE ALIAS [PIN]", Short: "A check merged later", RunE: func(*cobra.Command, []string) error { return nil }}
	fake.Flags().StringVar(&o.node, "call-tag", "", `a tag with "quotes" and a \ backslash`)
	fake.Flags().StringArrayVar(&o.tags, "expect", nil, "repeatable expectation")
	fake.Flags().StringSliceVar(&o.list, "regions", nil, "regions, comma separated")
	fake.Flags().BoolVar(&o.dryRun, "dry-run", false, "do nothing")
	fake.Flags().CountVarP(&o.debug, "debug", "D", "more debug output")
	addSecretFlags(fake.Flags(), &s, "api-key", "API key", false)
	hidden := &cobra.Command{Use: "secretstuff", Hidden: true, RunE: func(*cobra.Command, []string) error { return nil }}
	root.AddCommand(fake, hidden)

	checks, err := checkSpecs(root)
	if err != nil {
		t.Fatal(err)
	}
	m := contribModel{globals: globalSpecs(root), checks: checks}
	var b bytes.Buffer
	if err := writeIcinga2(&b, m); err != nil {
		t.Fatal(err)
	}
	conf := b.String()
	for _, want := range []string{
		"object CheckCommand \"healthprobe-fakecheck\" {\n\timport \"healthprobe-common\"\n\n\tcommand = [ PluginDir + \"/healthprobe\", \"fakecheck\" ]\n",
		"\t\t\"NODE\" = {\n\t\t\tvalue = \"$healthprobe_fakecheck_node$\"\n\t\t\tskip_key = true\n\t\t\trequired = true\n\t\t\torder = -3\n",
		"\t\t\"ALIAS\" = {\n\t\t\tvalue = \"$healthprobe_fakecheck_alias$\"\n\t\t\tskip_key = true\n\t\t\trequired = true\n\t\t\torder = -2\n",
		"\t\t\"PIN\" = {\n\t\t\tvalue = \"$healthprobe_fakecheck_pin$\"\n\t\t\tskip_key = true\n\t\t\torder = -1\n",
		"\t\t\"--call-tag\" = {\n\t\t\tvalue = \"$healthprobe_fakecheck_call_tag$\"\n\t\t\tdescription = \"a tag with \\\"quotes\\\" and a \\\\ backslash\"\n",
		"\t\t\"--expect\" = {\n\t\t\tvalue = \"$healthprobe_fakecheck_expect$\"\n\t\t\trepeat_key = true\n",
		"\t\t\"--regions\" = {\n\t\t\tvalue = \"$healthprobe_fakecheck_regions$\"\n\t\t\trepeat_key = true\n",
		"\t\t\"--dry-run\" = {\n\t\t\tset_if = \"$healthprobe_fakecheck_dry_run$\"\n",
		"\t\t\"--api-key-env HEALTHPROBE_FAKECHECK_API_KEY\" = {\n\t\t\tkey = \"--api-key-env\"\n\t\t\tvalue = \"HEALTHPROBE_FAKECHECK_API_KEY\"\n\t\t\tset_if = {{ macro(\"$healthprobe_fakecheck_api_key$\") != \"\" }}\n",
		"\t\t\"--api-key-file\" = {\n\t\t\tvalue = \"$healthprobe_fakecheck_api_key_file$\"\n",
		"\tenv = {\n\t\tHEALTHPROBE_FAKECHECK_API_KEY = \"$healthprobe_fakecheck_api_key$\"\n\t}\n",
		"\tvars.healthprobe_fakecheck_node = \"$address$\"\n}\n",
		"\t\t\"--debug\" = {\n\t\t\tvalue = \"--debug=$healthprobe_fakecheck_debug$\"\n\t\t\tskip_key = true\n",
		"template CheckCommand \"healthprobe-common\" {\n\targuments = {\n\t\t\"--timeout\" = {\n\t\t\tvalue = \"$healthprobe_timeout$\"\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("icinga2 config lacks\n%s", want)
		}
	}
	if strings.Contains(conf, "secretstuff") || strings.Contains(conf, "\"--help\"") || strings.Contains(conf, "\"--verbose\"") || strings.Contains(conf, "\"--output\"") {
		t.Errorf("hidden command or --help in the config")
	}

	b.Reset()
	err = writeNagios(&b, m)
	if err == nil || !strings.Contains(err.Error(), `no $USERn$ for the secret(s) "fakecheck api-key": give each a new number in its kind's macros`) {
		t.Fatalf("writeNagios with an unassigned secret: %v", err)
	}
}

func TestNagiosCommands(t *testing.T) {
	checks := []checkSpec{{name: "fakecheck", short: "A check", args: []argSpec{{name: "NODE"}, {name: "PIN", optional: true}},
		secrets: []secretSpec{{name: "pin", what: "conference PIN", plain: true}}}}
	users := map[string]int{"fakecheck pin": 7}
	if err := checkUserMacros(users, checks); err != nil {
		t.Fatal(err)
	}
	args, opts := nagiosArgs(checks[0])
	if args != "'$ARG1$' $ARG2$" || opts != "$ARG3$" {
		t.Errorf("nagiosArgs: %q %q", args, opts)
	}
	if err := checkUserMacros(map[string]int{"fakecheck pin": 1}, checks); err == nil ||
		!strings.Contains(err.Error(), `$USER1$ of "fakecheck pin": use 3 to 256`) {
		t.Errorf("$USER1$ for a secret: %v", err)
	}
	two := append(checks, checkSpec{name: "other", secrets: []secretSpec{{name: "pin"}}})
	if err := checkUserMacros(map[string]int{"fakecheck pin": 3, "other pin": 3}, two); err == nil ||
		!strings.Contains(err.Error(), `$USER3$ is given to both "fakecheck pin" and "other pin"`) {
		t.Errorf("a shared $USERn$: %v", err)
	}
}

func TestNagiosFileHasEverySecret(t *testing.T) {
	var b bytes.Buffer
	checks, err := checkSpecs(testRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeNagios(&b, contribModel{checks: checks}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"    command_name  check_healthprobe_http\n    command_line  $USER1$/healthprobe http '$ARG1$' $ARG2$\n",
		"    command_name  check_healthprobe_http_password\n    command_line  /usr/bin/env HEALTHPROBE_HTTP_PASSWORD='$USER3$' $USER1$/healthprobe http '$ARG1$' --password-env HEALTHPROBE_HTTP_PASSWORD $ARG2$\n",
		// the header names the definitions and the flags that exist (it spoke
		// of a --bearer flag, which does not)
		"#   $USER3$  check_healthprobe_http_password: password for --user (--password-env)\n#   $USER4$  check_healthprobe_http_bearer: bearer token for the Authorization header (--bearer-env)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("nagios config lacks\n%s", want)
		}
	}
}

func TestUseArgs(t *testing.T) {
	for use, want := range map[string]string{
		"http URL":                 "URL",
		"pexip NODE ALIAS [PIN]":   "NODE ALIAS [PIN]",
		"demo":                     "",
		"run [flags] CONFIG...":    "CONFIG",
		"kaleyra [BASE-URL]":       "[BASE-URL]",
		"itgrix URL [--path PATH]": "URL",
		// regression: the Icinga 2 test ran "pexip URL edge.kuma" when the value of a
		// flag named in the Use line was taken for a second argument
		"pexip NODE --alias ALIAS": "NODE",
		"x A --flag=V B":           "A B",
	} {
		var got []string
		for _, a := range useArgs(use) {
			if a.optional {
				got = append(got, "["+a.name+"]")
			} else {
				got = append(got, a.name)
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("useArgs(%q) = %v, want %q", use, got, want)
		}
	}
	if v := varName("healthprobe", "http", "BASE-URL"); v != "healthprobe_http_base_url" {
		t.Errorf("varName: %q", v)
	}
	if e := envName("kaleyra", "api-key"); e != "HEALTHPROBE_KALEYRA_API_KEY" {
		t.Errorf("envName: %q", e)
	}
}

func TestIcingaString(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:          `"plain"`,
		`a "b" \c`:       `"a \"b\" \\c"`,
		"tab\tnl\nend\r": `"tab\tnl\nend\r"`,
	} {
		if got := icingaString(in); got != want {
			t.Errorf("icingaString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestKindOf(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var s string
	var n int
	fs.StringVar(&s, "s", "", "")
	fs.CountVarP(&n, "v", "v", "")
	fs.StringSlice("l", nil, "")
	fs.Bool("b", false, "")
	for name, want := range map[string]flagKind{"s": flagValue, "v": flagCount, "l": flagRepeat, "b": flagBool} {
		if got := kindOf(fs.Lookup(name)); got != want {
			t.Errorf("kindOf(%s) = %v, want %v", name, got, want)
		}
	}
}

// FuzzUseArgs: any Use line gives argument names without brackets or
// spaces, and custom variable names made of lower case, digits and _.
func FuzzUseArgs(f *testing.F) {
	for _, s := range []string{"http URL", "pexip NODE ALIAS [PIN]", "run [flags] CONFIG...", "x [", "x ]]", "x [.]", "x \t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, use string) {
		if strings.TrimSpace(use) == "" {
			return // cobra commands always have a name
		}
		for _, a := range useArgs(use) {
			if !argName().MatchString(a.name) {
				t.Fatalf("useArgs(%q): bad name %q", use, a.name)
			}
		}
	})
}

// FuzzIcingaString: the quoted literal has no raw quote, newline or
// unescaped backslash inside, so it cannot end early or break a line.
func FuzzIcingaString(f *testing.F) {
	for _, s := range []string{"", `a"b`, `\`, "x\ny", `\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := icingaString(s)
		inner := q[1 : len(q)-1]
		if strings.ContainsAny(inner, "\n\r") {
			t.Fatalf("%q has a line break", q)
		}
		for i := 0; i < len(inner); i++ {
			switch inner[i] {
			case '\\':
				i++ // an escape takes the next byte
				if i == len(inner) {
					t.Fatalf("%q ends in a lone backslash", q)
				}
			case '"':
				t.Fatalf("%q has an unescaped quote", q)
			}
		}
	})
}

// The excerpts of the generated definitions in docs/nagios-icinga.md (in
// the README before it grew too long) are the definitions: each stretch
// between "…" lines stands in the file as written.
func TestNagiosIcingaDocContribExcerpts(t *testing.T) {
	const docFile = "../../docs/nagios-icinga.md"
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"template CheckCommand": "../../contrib/icinga2/healthprobe.conf",
		"define command {":      "../../contrib/nagios/healthprobe.cfg",
	}
	found := 0
	for _, block := range strings.Split(string(doc), "```")[1:] {
		block = strings.TrimPrefix(block, "\n")
		for start, file := range files {
			if !strings.HasPrefix(block, start) {
				continue
			}
			found++
			def, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range strings.Split(block, "…\n") {
				part = strings.TrimRight(part, "\t ")
				if !strings.Contains(string(def), part) {
					t.Errorf("%s shows what %s does not have:\n%s", docFile, file, part)
				}
			}
		}
	}
	if found < len(files) {
		t.Errorf("found %d of %d excerpts in %s", found, len(files), docFile)
	}
}
