package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// nagiosUserMacros gives every secret a fixed $USERn$ of resource.cfg, so
// that the numbers never shift when checks are added, by "CHECK SECRET":
// each kind's macros. $USER1$ is the plugin directory and $USER2$ is left
// to the site, by convention. A check merged with a new secret needs a
// number in its kind's macros (the generator says so).
func nagiosUserMacros() map[string]int {
	return nagiosUserMacrosFrom(defaultMacroBase)
}

// defaultMacroBase is the $USERn$ of the first secret, as the kinds number
// them: the committed contrib/nagios/healthprobe.cfg uses it.
const defaultMacroBase = 3

// nagiosMaxMacro is Nagios' last macro of resource.cfg, $USER256$.
const nagiosMaxMacro = 256

// nagiosUserMacrosFrom is nagiosUserMacros moved so that the first secret's
// macro is base instead of defaultMacroBase (healthprobe contrib
// --macro-base): every number shifts by the same amount, so the order and
// the gaps stay.
func nagiosUserMacrosFrom(base int) map[string]int {
	users := map[string]int{}
	for _, k := range kinds {
		for _, m := range k.macros {
			users[k.name+" "+m.secret] = m.n - defaultMacroBase + base
		}
	}
	return users
}

// nagiosHeader begins the file; %s is how it was generated and how to
// generate it again.
const nagiosHeader = `# Nagios command definitions for healthprobe.
#
%s
#
# Use: cfg_file=/usr/share/healthprobe/contrib/nagios/healthprobe.cfg in
# nagios.cfg (the deb and rpm packages install it there), with the plugin
# directory in resource.cfg:
#
#   $USER1$=/usr/lib/nagios/plugins        (/usr/lib64/nagios/plugins on RHEL)
#
# check_healthprobe_CHECK takes the positional arguments as $ARG1$ (and $ARG2$
# ... when a check has more), then every further option in one last $ARGn$:
#
#   check_command  check_healthprobe_http!https://www.example.com/health!-s 'service ready' -w 0.5 -c 2
#
# Secrets: check_healthprobe_CHECK_SECRET reads the secret from a $USERn$ of
# resource.cfg (readable by the nagios user only) and hands it to healthprobe in
# an environment variable through env(1): healthprobe's own command line holds
# only the variable's name, so the secret is in the process list only for the
# instant before env starts healthprobe, not while the check runs. The secret
# may not contain a single quote. For a secret per service, pass
# --SECRET-file PATH in the options instead. The $USERn$ of each secret:
#
`

// writeNagios writes the command definitions.
func writeNagios(w *bytes.Buffer, m contribModel) error {
	base := m.macroBase
	if base == 0 {
		base = defaultMacroBase
	}
	if err := checkUserMacros(nagiosUserMacros(), m.checks); err != nil {
		return err
	}
	if err := checkMacroBase(base); err != nil {
		return err
	}
	users := nagiosUserMacrosFrom(base)
	generated := "# GENERATED from the command tree by \"healthprobe contrib DIR\": do not edit.\n# Regenerate with: go generate ./cmd/healthprobe"
	if base != defaultMacroBase {
		generated = fmt.Sprintf("# GENERATED from the command tree by \"healthprobe contrib --macro-base %d DIR\": do not edit.\n# Regenerate with the same command.", base)
	}
	fmt.Fprintf(w, nagiosHeader, generated)
	type userLine struct {
		n    int
		text string
	}
	var lines []userLine
	for _, c := range m.checks {
		for _, s := range c.secrets {
			n := users[c.name+" "+s.name]
			lines = append(lines, userLine{n, fmt.Sprintf("#   $USER%d$  check_healthprobe_%s: %s (--%s-env)\n", n, varName(c.name, s.name), s.what, s.name)})
		}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].n < lines[j].n })
	for _, l := range lines {
		w.WriteString(l.text)
	}
	for _, c := range m.checks {
		fmt.Fprintf(w, "\n# healthprobe %s: %s\n", c.name, c.short)
		args, opts := nagiosArgs(c)
		fmt.Fprintf(w, "define command {\n    command_name  check_healthprobe_%s\n", varName(c.name))
		fmt.Fprintf(w, "    command_line  $USER1$/healthprobe %s %s %s\n}\n", c.name, args, opts)
		for _, s := range c.secrets {
			env := envName(c.name, s.name)
			fmt.Fprintf(w, "\n# healthprobe %s with the %s from $USER%d$\n", c.name, s.what, users[c.name+" "+s.name])
			fmt.Fprintf(w, "define command {\n    command_name  check_healthprobe_%s\n", varName(c.name, s.name))
			fmt.Fprintf(w, "    command_line  /usr/bin/env %s='$USER%d$' $USER1$/healthprobe %s %s --%s-env %s %s\n}\n",
				env, users[c.name+" "+s.name], c.name, args, s.name, env, opts)
		}
	}
	return nil
}

// nagiosArgs returns the positional $ARGn$ (quoted unless optional) and the
// $ARGn$ that takes the options.
func nagiosArgs(c checkSpec) (string, string) {
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		parts[i] = fmt.Sprintf("'$ARG%d$'", i+1)
		if a.optional {
			parts[i] = fmt.Sprintf("$ARG%d$", i+1)
		}
	}
	return strings.Join(parts, " "), fmt.Sprintf("$ARG%d$", len(c.args)+1)
}

// checkMacroBase refuses a --macro-base whose secrets would not all fit
// between $USER2$ ($USER1$ is the plugin directory) and $USER256$.
func checkMacroBase(base int) error {
	last := defaultMacroBase
	for _, n := range nagiosUserMacros() {
		last = max(last, n)
	}
	top := nagiosMaxMacro - (last - defaultMacroBase)
	if base < 2 || base > top {
		return fmt.Errorf("--macro-base %d: the secrets would take $USER%d$ to $USER%d$; use 2 to %d ($USER1$ is the plugin directory, Nagios stops at $USER%d$)",
			base, base, base+last-defaultMacroBase, top, nagiosMaxMacro)
	}
	return nil
}

// checkUserMacros fails when a secret has no $USERn$ or two share one.
func checkUserMacros(users map[string]int, checks []checkSpec) error {
	var missing []string
	byNum := map[int]string{}
	for _, c := range checks {
		for _, s := range c.secrets {
			key := c.name + " " + s.name
			n, ok := users[key]
			if !ok {
				missing = append(missing, fmt.Sprintf("%q", key))
				continue
			}
			if n < 3 || n > 256 {
				return fmt.Errorf("$USER%d$ of %q: use 3 to 256 ($USER1$ is the plugin directory)", n, key)
			}
			if other, dup := byNum[n]; dup {
				return fmt.Errorf("$USER%d$ is given to both %q and %q", n, other, key)
			}
			byNum[n] = key
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("no $USERn$ for the secret(s) %s: give each a new number in its kind's macros (cmd/healthprobe/KIND.go)", strings.Join(missing, ", "))
	}
	return nil
}
