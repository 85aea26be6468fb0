package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

//go:generate go run . contrib ../../contrib

// The contrib generators write the Icinga 2 CheckCommands and the Nagios
// command definitions from the cobra command tree, so they cover every check
// and every flag without a hand-written copy that drifts. TestContribUpToDate
// fails when the committed files differ from what the tree gives now.

// notChecks are the subcommands that are not monitoring checks. Every other
// visible subcommand gets a CheckCommand; a new check needs no entry anywhere.
var notChecks = map[string]bool{
	"completion": true, "demo": true, "help": true, "man": true, "contrib": true,
	// run's line 1 is per check and its summary comes last; notify sends events
	"run": true, "notify": true,
}

// isCheck reports whether c is a check: a visible, runnable subcommand of the
// root that is not one of notChecks.
func isCheck(c *cobra.Command) bool {
	return c.HasParent() && c.Parent() == c.Root() && c.Runnable() && !c.Hidden && !notChecks[c.Name()]
}

// pluginGlobals are the persistent flags that make sense for a monitoring
// core. --output json and --color would break the plugin output it parses,
// and so would --verbose: Icinga 2 merges the plugin's stderr into its output,
// so the -v lines would become the first line (found by the Icinga 2
// integration test). To debug a check, run its command line by hand with -v.
var pluginGlobals = []string{"timeout", "timeout-state"}

// contribFiles are the generated files, relative to the contrib directory.
var contribFiles = []struct {
	path  string
	write func(w *bytes.Buffer, m contribModel) error
}{
	{filepath.Join("icinga2", "healthprobe.conf"), writeIcinga2},
	{filepath.Join("nagios", "healthprobe.cfg"), writeNagios},
}

// contribModel is the part of the command tree the generators read.
type contribModel struct {
	globals []flagSpec // the pluginGlobals every check passes
	checks  []checkSpec
	// macroBase is the $USERn$ of the first secret in the Nagios
	// definitions (--macro-base); 0 means defaultMacroBase.
	macroBase int
}

// checkSpec is what the generators need to know about one check subcommand.
type checkSpec struct {
	name    string // "http"
	short   string
	args    []argSpec
	flags   []flagSpec // sorted by name, secrets excluded
	secrets []secretSpec
}

// argSpec is a positional argument, read from the command's Use line.
type argSpec struct {
	name     string // "URL"
	optional bool   // written as [NAME]
}

// flagKind tells how a flag is passed.
type flagKind int

const (
	flagValue  flagKind = iota // --name VALUE
	flagBool                   // --name, or nothing
	flagRepeat                 // --name V1 --name V2 (StringArray, StringSlice)
	flagCount                  // --name=N (-v counted)
)

type flagSpec struct {
	name, usage string
	kind        flagKind
}

// secretSpec is a secret added with addSecretFlags: --NAME (optional),
// --NAME-env and --NAME-file.
type secretSpec struct {
	name, what string // "password", "password for --user"
	plain      bool   // --NAME exists too
}

func newContribCmd(_ *globalFlags, rs *runState) *cobra.Command {
	var macroBase int
	cmd := &cobra.Command{
		Use:   "contrib DIR",
		Short: "Write the Icinga 2 CheckCommands and Nagios command definitions into DIR (icinga2/, nagios/)",
		Long: `Write the Icinga 2 CheckCommands and Nagios command definitions into DIR
(icinga2/healthprobe.conf, nagios/healthprobe.cfg), generated from the
command tree. The Nagios definitions read each secret from a $USERn$ macro
of resource.cfg, from $USER3$ up; --macro-base N moves them all to $USERN$
up, past the macros an existing resource.cfg already uses.`,
		Example: "  healthprobe contrib --macro-base 20 /etc/nagios4/healthprobe",
		Args:    exactArgs(1, "DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkMacroBase(macroBase); err != nil {
				return err
			}
			files, err := generateContrib(cmd.Root(), macroBase)
			if err != nil {
				return err
			}
			for _, name := range sortedKeys(files) {
				path := filepath.Join(args[0], name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(path, files[name], 0o644); err != nil {
					return err
				}
				fmt.Fprintf(rs.stdout, "wrote %s\n", path)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&macroBase, "macro-base", defaultMacroBase,
		"the Nagios $USERn$ of the first secret: the secrets take $USERn$ up from it, in the same order (2 to 256, with room for them all)")
	return cmd
}

// generateContrib returns the contents of every contrib file, by path
// relative to the contrib directory; macroBase is the Nagios definitions'
// first secret macro (see contribModel).
func generateContrib(root *cobra.Command, macroBase int) (map[string][]byte, error) {
	checks, err := checkSpecs(root)
	if err != nil {
		return nil, err
	}
	m := contribModel{globals: globalSpecs(root), checks: checks, macroBase: macroBase}
	files := map[string][]byte{}
	for _, f := range contribFiles {
		var b bytes.Buffer
		if err := f.write(&b, m); err != nil {
			return nil, fmt.Errorf("%s: %w", f.path, err)
		}
		files[filepath.ToSlash(f.path)] = b.Bytes()
	}
	return files, nil
}

// checkSpecs reads the check subcommands and their flags from the tree.
func checkSpecs(root *cobra.Command) ([]checkSpec, error) {
	var out []checkSpec
	for _, c := range root.Commands() {
		if !isCheck(c) {
			continue
		}
		s := checkSpec{name: c.Name(), short: c.Short, args: useArgs(c.Use)}
		fs := c.LocalNonPersistentFlags()
		secret := map[string]bool{} // flag names that belong to a secret
		fs.VisitAll(func(f *pflag.Flag) {
			base, ok := strings.CutSuffix(f.Name, "-env")
			if !ok || fs.Lookup(base+"-file") == nil || f.Value.Type() != "string" {
				return // a secret is one value (--header-env, repeatable, is headers)
			}
			sec := secretSpec{name: base, what: strings.TrimPrefix(f.Usage, "read the "), plain: fs.Lookup(base) != nil}
			sec.what, _, _ = strings.Cut(sec.what, " from this environment variable")
			s.secrets = append(s.secrets, sec)
			secret[base], secret[base+"-env"], secret[base+"-file"] = true, true, true
		})
		var bad error
		fs.VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" || secret[f.Name] || f.Hidden || isGlobalFlag(f) {
				return
			}
			if strings.ContainsAny(f.Name, "$\"\\ ") && bad == nil {
				bad = fmt.Errorf("%s: flag name %q cannot be a custom variable", c.Name(), f.Name)
			}
			s.flags = append(s.flags, flagSpec{name: f.Name, usage: f.Usage, kind: kindOf(f)})
		})
		if bad != nil {
			return nil, bad
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// globalSpecs are the global flags passed by every check definition, as
// the checks define them.
func globalSpecs(root *cobra.Command) []flagSpec {
	var out []flagSpec
	for _, name := range pluginGlobals {
		for _, c := range root.Commands() {
			if f := c.Flags().Lookup(name); isCheck(c) && f != nil {
				out = append(out, flagSpec{name: f.Name, usage: f.Usage, kind: kindOf(f)})
				break
			}
		}
	}
	return out
}

func kindOf(f *pflag.Flag) flagKind {
	switch t := f.Value.Type(); {
	case t == "bool":
		return flagBool
	case t == "count":
		return flagCount
	case strings.HasSuffix(t, "Array") || strings.HasSuffix(t, "Slice"):
		return flagRepeat
	}
	return flagValue
}

// useArgs reads the positional arguments from a Use line such as
// "http URL" or "pexip NODE ALIAS [PIN]".
func useArgs(use string) []argSpec {
	var out []argSpec
	words := strings.Fields(use)[1:]
	for i := 0; i < len(words); i++ {
		w := words[i]
		if strings.HasPrefix(strings.TrimLeft(w, "["), "-") {
			// a flag in the Use line ("pexip NODE --alias ALIAS"): its value is no argument
			if !strings.Contains(w, "=") && !strings.HasSuffix(w, "]") && i+1 < len(words) {
				i++
			}
			continue
		}
		optional := strings.HasPrefix(w, "[")
		name := strings.Trim(w, "[]. ")
		if !argName().MatchString(name) || strings.EqualFold(name, "flags") {
			continue // not an argument name: "[flags]", "|", "--path"
		}
		out = append(out, argSpec{name: name, optional: optional})
	}
	return out
}

// argName is what a positional argument in a Use line looks like.
var argName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`) })

// varName turns flag and argument names into custom variable parts:
// "timeout-state" -> "timeout_state", "URL" -> "url".
func varName(parts ...string) string {
	return strings.ToLower(strings.ReplaceAll(strings.Join(parts, "_"), "-", "_"))
}

// envName is the environment variable a secret travels in:
// HEALTHPROBE_HTTP_PASSWORD.
func envName(check, secret string) string {
	return strings.ToUpper("healthprobe_" + varName(check, secret))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
