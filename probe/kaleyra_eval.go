package probe

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/healthprobe/healthprobe/nagios"
)

// kaleyraFilter selects what a check watches. The values of one filter are
// alternatives; different filters must all match.
type kaleyraFilter struct {
	Regions, RegionCodes, Numbers, Services []string
}

// kaleyraEntry is one sub-check: one number of one incident, or an incident
// that lists no number.
type kaleyraEntry struct {
	in     kaleyraIncident
	number string // "" when the incident lists no number
}

// kaleyraCounts counts the watched entries by type.
type kaleyraCounts struct{ operational, warning, critical, unknown int }

func (c kaleyraCounts) total() int { return c.operational + c.warning + c.critical + c.unknown }

func (c *kaleyraCounts) add(s nagios.State) {
	switch s {
	case nagios.OK:
		c.operational++
	case nagios.Warning:
		c.warning++
	case nagios.Critical:
		c.critical++
	default:
		c.unknown++
	}
}

func (c kaleyraCounts) perfdata() []nagios.Perfdata {
	p := []nagios.Perfdata{
		{Label: "operational", Value: float64(c.operational)},
		{Label: "warning", Value: float64(c.warning)},
		{Label: "critical", Value: float64(c.critical)},
	}
	if c.unknown > 0 {
		p = append(p, nagios.Perfdata{Label: "unknown", Value: float64(c.unknown)})
	}
	return p
}

func kaleyraEntries(a kaleyraAnswer) []kaleyraEntry {
	var out []kaleyraEntry
	for _, in := range a.Incidents {
		if len(in.Numbers) == 0 {
			out = append(out, kaleyraEntry{in: in})
		}
		for _, n := range in.Numbers {
			out = append(out, kaleyraEntry{in: in, number: n})
		}
	}
	return out
}

// kaleyraIncidents reports an answer with data: one sub-check per watched
// number, the filters that match nothing and the counts; it returns the
// parts of line 1.
func kaleyraIncidents(r *Result, a kaleyraAnswer, f kaleyraFilter) []Lead {
	all := kaleyraEntries(a)
	if len(all) == 0 {
		text := "no incidents listed (" + kaleyraCode(a) + ")"
		r.Add("api", nagios.OK, text)
		r.AddPerf(kaleyraCounts{}.perfdata()...)
		return []Lead{{nagios.OK, text}}
	}
	var watched []kaleyraEntry
	for _, e := range all {
		if f.match(e) {
			watched = append(watched, e)
		}
	}
	var counts kaleyraCounts
	var bad [3][]string // short texts of critical, warning and unknown entries
	seen := map[string]int{}
	for _, e := range watched {
		st, name, text, short := e.describe()
		if seen[name]++; seen[name] > 1 {
			name += "#" + strconv.Itoa(seen[name])
		}
		r.Add(name, st, text)
		counts.add(st)
		switch st {
		case nagios.Critical:
			bad[0] = append(bad[0], short)
		case nagios.Warning:
			bad[1] = append(bad[1], short)
		case nagios.Unknown:
			bad[2] = append(bad[2], short)
		}
	}
	misses := f.misses(r, all)
	if len(watched) == 0 && len(misses) == 0 {
		text := "no number matches all the filters together (" + f.String() + ")"
		r.Add("filter", nagios.Unknown, text)
		misses = append(misses, text)
	}
	r.AddPerf(counts.perfdata()...)
	return kaleyraSummary(counts, slices.Concat(bad[0], bad[1], bad[2]), misses, watched)
}

// kaleyraSummary gives the parts of line 1: the counts and the worst
// numbers (as bad as the worst of them), and the filters that match
// nothing (UNKNOWN); the caller puts them worst first.
func kaleyraSummary(c kaleyraCounts, bad, misses []string, watched []kaleyraEntry) []Lead {
	var parts []Lead
	n := c.total()
	unit := "number"
	for _, e := range watched {
		if e.number == "" {
			unit = "entry"
		}
	}
	switch {
	case n == 0:
	case len(bad) > 0:
		var counts []string
		for _, p := range []struct {
			n    int
			word string
		}{{c.critical, "critical"}, {c.warning, "warning"}, {c.unknown, "unknown"}} {
			if p.n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", p.n, p.word))
			}
		}
		const show = 3
		list := strings.Join(bad[:min(len(bad), show)], ", ")
		if len(bad) > show {
			list += fmt.Sprintf(" and %d more", len(bad)-show)
		}
		worst := nagios.Unknown
		switch {
		case c.critical > 0:
			worst = nagios.Critical
		case c.warning > 0:
			worst = nagios.Warning
		}
		parts = append(parts, Lead{worst, fmt.Sprintf("%s of %s: %s", strings.Join(counts, ", "), countOf(n, unit), list)})
	case n == 1:
		st, _, _, short := watched[0].describe()
		parts = append(parts, Lead{st, short})
	default:
		parts = append(parts, Lead{nagios.OK, countOf(n, unit) + " operational"})
	}
	for _, m := range misses {
		parts = append(parts, Lead{nagios.Unknown, m})
	}
	return parts
}

// describe returns an entry's state, stable sub-check name, long-output text
// and the short form used in the summary.
func (e kaleyraEntry) describe() (st nagios.State, name, text, short string) {
	code := SanitizeLine(e.in.RegionCode, 20)
	region := SanitizeLine(e.in.Region, 40)
	where := code
	if where == "" {
		where = region
	}
	if where == "" {
		where = "(no region)"
	}
	service := strings.ToLower(SanitizeLine(e.in.Service, 20))
	typ := SanitizeLine(e.in.Type, 30)
	var word, long string
	switch strings.ToLower(typ) {
	case "operational":
		st, word = nagios.OK, "operational"
	case "warning":
		st, word = nagios.Warning, "warning"
	case "critical":
		st, word = nagios.Critical, "critical"
	case "":
		st, word, long = nagios.Unknown, "no type", "no type given"
	default:
		st, word = nagios.Unknown, "type "+Quote(typ, 40)
		long = "unknown type " + Quote(typ, 40)
	}
	if long == "" {
		long = word
	}
	subject := where
	if e.number != "" {
		subject += " " + SanitizeLine(e.number, 32)
		name = "number:" + where + ":" + SanitizeLine(e.number, 32)
	} else {
		name = "region:" + where
		long += ", no numbers listed"
	}
	if service != "" && service != "all" {
		name += ":" + service
	}
	var about []string
	if region != "" && region != where {
		about = append(about, region)
	}
	if service != "" {
		about = append(about, "service "+service)
	}
	text = subject + " " + long
	if len(about) > 0 {
		text += " (" + strings.Join(about, ", ") + ")"
	}
	return st, name, text, subject + " " + word
}

// kaleyraDimension is one kind of filter: its flag, its values, how a value
// matches an entry, and what the answer lists when a value matches nothing.
type kaleyraDimension struct {
	flag   string
	values []string
	hit    func(e kaleyraEntry, v string) bool
	listed func(all []kaleyraEntry) string
}

func (f kaleyraFilter) dimensions() []kaleyraDimension {
	return []kaleyraDimension{
		{"region", f.Regions, kaleyraEntry.inRegion, listDistinct("regions", func(in kaleyraIncident) string { return in.Region })},
		{"region-code", f.RegionCodes, kaleyraEntry.inRegionCode, listDistinct("region codes", func(in kaleyraIncident) string { return in.RegionCode })},
		{"number", f.Numbers, kaleyraEntry.hasNumber, listNumbers},
		{"service", f.Services, kaleyraEntry.onService, listDistinct("services", func(in kaleyraIncident) string { return strings.ToLower(in.Service) })},
	}
}

// match reports whether an entry passes every filter; no values means no
// filter.
func (f kaleyraFilter) match(e kaleyraEntry) bool {
	for _, d := range f.dimensions() {
		if len(d.values) > 0 && !slices.ContainsFunc(d.values, func(v string) bool { return d.hit(e, v) }) {
			return false
		}
	}
	return true
}

func (e kaleyraEntry) inRegion(v string) bool {
	return strings.EqualFold(strings.TrimSpace(v), e.in.Region)
}

func (e kaleyraEntry) inRegionCode(v string) bool {
	return strings.EqualFold(strings.TrimSpace(v), e.in.RegionCode)
}

// hasNumber compares phone numbers by their digits: +91 80 4000-1111 is
// 918040001111.
func (e kaleyraEntry) hasNumber(v string) bool {
	want := phoneDigits(v)
	return want != "" && want == phoneDigits(e.number)
}

func phoneDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// onService: an incident on service "all" (or none given) concerns incoming
// and outgoing calls alike; --service all keeps only those.
func (e kaleyraEntry) onService(v string) bool {
	svc := strings.ToLower(e.in.Service)
	return svc == "" || svc == "all" || svc == strings.ToLower(strings.TrimSpace(v))
}

// misses adds an UNKNOWN sub-check for every filter value that matches
// nothing in the answer, so that a number or region that disappears from
// the answer does not turn a watching service green. It returns their texts.
func (f kaleyraFilter) misses(r *Result, all []kaleyraEntry) []string {
	var out []string
	for _, d := range f.dimensions() {
		for _, v := range d.values {
			if slices.ContainsFunc(all, func(e kaleyraEntry) bool { return d.hit(e, v) }) {
				continue
			}
			text := fmt.Sprintf("--%s %s matches nothing in the answer (%s)", d.flag, showFilterValue(v), d.listed(all))
			r.Add("filter:"+d.flag+":"+strings.ToLower(SanitizeLine(v, 40)), nagios.Unknown, text)
			out = append(out, text)
		}
	}
	return out
}

// listDistinct lists the distinct values of one field of the answer.
func listDistinct(what string, get func(kaleyraIncident) string) func([]kaleyraEntry) string {
	return func(all []kaleyraEntry) string {
		var vals []string
		for _, e := range all {
			if v := SanitizeLine(get(e.in), 30); v != "" && !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			return "no " + what + " listed"
		}
		slices.Sort(vals)
		if len(vals) > 6 {
			vals = append(vals[:6], "…")
		}
		return what + " listed: " + strings.Join(vals, ", ")
	}
}

// listNumbers counts the numbers of the answer (there may be many).
func listNumbers(all []kaleyraEntry) string {
	n := 0
	for _, e := range all {
		if e.number != "" {
			n++
		}
	}
	return countOf(n, "number") + " listed"
}

func showFilterValue(v string) string {
	v = SanitizeLine(v, 40)
	if v == "" || strings.ContainsAny(v, " \"'") {
		return quoted(v)
	}
	return v
}

// countOf renders a count and a noun: "1 number", "5 numbers", "2 entries".
func countOf(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case strings.HasSuffix(word, "y"):
		return strconv.Itoa(n) + " " + strings.TrimSuffix(word, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// String renders the filters as flags, for messages.
func (f kaleyraFilter) String() string {
	var parts []string
	for _, d := range f.dimensions() {
		for _, v := range d.values {
			parts = append(parts, "--"+d.flag+" "+showFilterValue(v))
		}
	}
	return strings.Join(parts, " ")
}

// kaleyraCode renders an answer's response code and message: "E701 No
// incidents found", "200 OK".
func kaleyraCode(a kaleyraAnswer) string {
	code := SanitizeLine(a.Status, 20)
	msg := SanitizeLine(a.Message, 100)
	switch {
	case code == "":
		return msg
	case msg == "" || strings.EqualFold(msg, code):
		return code
	}
	return code + " " + msg
}
