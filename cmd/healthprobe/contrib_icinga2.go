package main

import (
	"bytes"
	"fmt"
	"strings"
)

const icinga2Header = `// Icinga 2 CheckCommands for healthprobe, in the style of the Icinga Template
// Library: one CheckCommand "healthprobe-CHECK" per check, every option an
// argument bound to a custom variable.
//
// GENERATED from the command tree by "healthprobe contrib DIR": do not edit.
// Regenerate with: go generate ./cmd/healthprobe
//
// Use: include "/usr/share/healthprobe/contrib/icinga2/healthprobe.conf" after
// include <itl> (the deb and rpm packages install it there, and healthprobe in
// the PluginDir of constants.conf: /usr/lib/nagios/plugins on Debian,
// /usr/lib64/nagios/plugins on RHEL), and give services vars such as
//
//   vars.healthprobe_http_url = "https://www.example.com/health"
//   vars.healthprobe_http_keyword = [ "service ready" ]
//   vars.healthprobe_http_warning = 0.5
//
// Custom variables: healthprobe_CHECK_OPTION for each option of a check (dashes
// as underscores, e.g. healthprobe_http_expect_status), healthprobe_CHECK_ARG
// for a positional argument (defaults to the host's address), and
// healthprobe_timeout (default 10s; keep it below the CheckCommand timeout,
// 60s) and healthprobe_timeout_state for every check. Boolean options take
// true/false; repeatable options take an array. --verbose is left out:
// Icinga 2 merges stderr into the plugin output.
//
// Secrets: put the secret in healthprobe_CHECK_SECRET (e.g.
// healthprobe_http_password). Icinga 2 hands it to healthprobe in the
// environment variable HEALTHPROBE_CHECK_SECRET, named with --SECRET-env, so the
// secret never appears in the process list or in the executed command line
// the API shows. healthprobe_CHECK_SECRET_file (a file readable by the icinga
// user) and healthprobe_CHECK_SECRET_env (a variable the daemon already has)
// work too; give only one of the three.
`

// writeIcinga2 writes the CheckCommand definitions.
func writeIcinga2(w *bytes.Buffer, m contribModel) error {
	w.WriteString(icinga2Header)
	w.WriteString("\ntemplate CheckCommand \"healthprobe-common\" {\n\targuments = {\n")
	for _, f := range m.globals {
		writeIcingaFlag(w, varName("healthprobe", f.name), f)
	}
	w.WriteString("\t}\n}\n")
	for _, c := range m.checks {
		fmt.Fprintf(w, "\n// healthprobe %s: %s\n", c.name, c.short)
		fmt.Fprintf(w, "object CheckCommand %s {\n", icingaString("healthprobe-"+c.name))
		w.WriteString("\timport \"healthprobe-common\"\n\n")
		fmt.Fprintf(w, "\tcommand = [ PluginDir + \"/healthprobe\", %s ]\n\n", icingaString(c.name))
		w.WriteString("\targuments += {\n")
		for i, a := range c.args {
			writeIcingaArg(w, c.name, a, i-len(c.args))
		}
		for _, f := range c.flags {
			writeIcingaFlag(w, varName("healthprobe", c.name, f.name), f)
		}
		for _, s := range c.secrets {
			writeIcingaSecret(w, c.name, s)
		}
		w.WriteString("\t}\n")
		if len(c.secrets) > 0 {
			w.WriteString("\n\tenv = {\n")
			for _, s := range c.secrets {
				fmt.Fprintf(w, "\t\t%s = %s\n", envName(c.name, s.name), macro(varName("healthprobe", c.name, s.name)))
			}
			w.WriteString("\t}\n")
		}
		defaults := false
		for _, a := range c.args {
			if addressArg(a.name) {
				if !defaults {
					w.WriteString("\n")
					defaults = true
				}
				fmt.Fprintf(w, "\tvars.%s = \"$address$\"\n", varName("healthprobe", c.name, a.name))
			}
		}
		w.WriteString("}\n")
	}
	return nil
}

// addressArg reports whether a positional argument defaults to the host's
// address: a URL without a scheme is taken as http://ADDRESS.
func addressArg(name string) bool {
	switch strings.ToUpper(name) {
	case "URL", "HOST", "HOSTNAME", "NODE", "ADDRESS":
		return true
	}
	return false
}

// writeIcingaArg writes a positional argument: no key, before the options.
func writeIcingaArg(w *bytes.Buffer, check string, a argSpec, order int) {
	fmt.Fprintf(w, "\t\t%s = {\n", icingaString(a.name))
	fmt.Fprintf(w, "\t\t\tvalue = %s\n", macro(varName("healthprobe", check, a.name)))
	w.WriteString("\t\t\tskip_key = true\n")
	if !a.optional {
		w.WriteString("\t\t\trequired = true\n")
	}
	fmt.Fprintf(w, "\t\t\torder = %d\n", order)
	desc := fmt.Sprintf("the %s argument of healthprobe %s", a.name, check)
	if addressArg(a.name) {
		desc += " (default: the host's address)"
	}
	fmt.Fprintf(w, "\t\t\tdescription = %s\n\t\t}\n", icingaString(desc))
}

// writeIcingaFlag writes one option bound to the custom variable v.
func writeIcingaFlag(w *bytes.Buffer, v string, f flagSpec) {
	fmt.Fprintf(w, "\t\t%s = {\n", icingaString("--"+f.name))
	desc := f.usage
	switch f.kind {
	case flagBool:
		fmt.Fprintf(w, "\t\t\tset_if = %s\n", macro(v))
	case flagRepeat:
		fmt.Fprintf(w, "\t\t\tvalue = %s\n\t\t\trepeat_key = true\n", macro(v))
		desc += "; an array"
	case flagCount:
		// A counted flag takes its number joined: --verbose=2.
		fmt.Fprintf(w, "\t\t\tvalue = %s\n\t\t\tskip_key = true\n", icingaString("--"+f.name+"="+"$"+v+"$"))
		desc += "; a number"
	default:
		fmt.Fprintf(w, "\t\t\tvalue = %s\n", macro(v))
	}
	fmt.Fprintf(w, "\t\t\tdescription = %s\n\t\t}\n", icingaString(desc))
}

// writeIcingaSecret writes the three ways of passing a secret.
func writeIcingaSecret(w *bytes.Buffer, check string, s secretSpec) {
	v := varName("healthprobe", check, s.name)
	env := envName(check, s.name)
	fmt.Fprintf(w, "\t\t%s = {\n", icingaString("--"+s.name+"-env "+env))
	fmt.Fprintf(w, "\t\t\tkey = %s\n", icingaString("--"+s.name+"-env"))
	fmt.Fprintf(w, "\t\t\tvalue = %s\n", icingaString(env))
	fmt.Fprintf(w, "\t\t\tset_if = {{ macro(%s) != \"\" }}\n", macro(v))
	fmt.Fprintf(w, "\t\t\tdescription = %s\n\t\t}\n", icingaString(fmt.Sprintf(
		"the %s from the custom variable %s, passed in the environment variable %s, never on the command line", s.what, v, env)))
	writeIcingaFlag(w, v+"_env", flagSpec{name: s.name + "-env",
		usage: "read the " + s.what + " from this environment variable of the Icinga 2 process"})
	writeIcingaFlag(w, v+"_file", flagSpec{name: s.name + "-file",
		usage: "read the " + s.what + " from this file (first line); it must be readable by the Icinga 2 user"})
}

// macro is the quoted runtime macro of a custom variable: "$name$".
func macro(v string) string { return icingaString("$" + v + "$") }

// icingaString quotes s as an Icinga 2 DSL string literal.
func icingaString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}
