package probe

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// itgrixRules are the built-in rules over an Itgrix /status answer. The
// answer's nesting is not public (the published example wraps much of it in
// an "app" object), so each element is looked for at the top level and, when
// absent there, one level down.
type itgrixRules struct {
	warn, crit int
	types      []string
	today      time.Time
}

// finding is one sub-check before it is added to the result.
type finding struct {
	name  string
	state nagios.State
	text  string
}

func (f finding) addTo(r *Result) { r.Add(f.name, f.state, f.text) }

func absent(name string) finding {
	return finding{name, nagios.Unknown, name + " absent from the status answer"}
}

// checkStatus applies every rule to a full answer and returns the summary
// for when all is well.
func (ru itgrixRules) checkStatus(r *Result, doc any) string {
	m, ok := doc.(map[string]any)
	if !ok {
		r.Add("status", nagios.Unknown, "status answer is "+jsonKind(doc)+", not an object")
		return ""
	}
	appState, hasState := find(m, "app_state")
	appStatus, hasStatus := find(m, "app_status")
	appErr, _ := find(m, "app_err")
	ltype, hasType := find(m, "license", "type")
	till, hasTill := find(m, "license", "valid_till")
	if !hasState && !hasStatus && !hasType && !hasTill {
		r.Add("status", nagios.Unknown, fmt.Sprintf("none of app_state, app_status, license in the status answer (it has %s): not an Itgrix status?", keyList(m)))
		return ""
	}
	st := appStateFinding(appState, hasState)
	ss := appStatusFinding(appStatus, hasStatus)
	for _, f := range withAppErr(st, hasState, ss, hasStatus, errText(appErr)) {
		f.addTo(r)
	}
	lt := ru.licenseType(ltype, hasType)
	lv, perf := ru.validTill(till, hasTill)
	lt.addTo(r)
	lv.addTo(r)
	if perf != nil {
		r.AddPerf(*perf)
	}
	var good []string
	for _, d := range r.Details {
		if d.Name == "app_state" || d.Name == "app_status" || d.Name == "app_err" {
			good = append(good, d.Text)
		}
	}
	return strings.Join(append(good, licenceOK(lt, lv)), ", ")
}

// checkElement applies the rule of one element asked for with --path.
func (ru itgrixRules) checkElement(r *Result, doc any, el string) string {
	segs := strings.Split(el, ".")
	v, found := pathValue(doc, el, segs)
	last, prev := segs[len(segs)-1], ""
	if len(segs) > 1 {
		prev = segs[len(segs)-2]
	}
	var fs []finding
	switch {
	case last == "app_state":
		fs = []finding{appStateFinding(v, found)}
	case last == "app_status":
		fs = []finding{appStatusFinding(v, found)}
	case last == "app_err":
		fs = []finding{appErrFinding(v, found)}
	case last == "license":
		lic, _ := v.(map[string]any)
		ltype, hasType := find(lic, "type")
		till, hasTill := find(lic, "valid_till")
		lt := ru.licenseType(ltype, hasType)
		lv, perf := ru.validTill(till, hasTill)
		if perf != nil {
			r.AddPerf(*perf)
		}
		lt.addTo(r)
		lv.addTo(r)
		return licenceOK(lt, lv)
	case prev == "license" && last == "type":
		fs = []finding{ru.licenseType(v, found)}
	case prev == "license" && last == "valid_till":
		f, perf := ru.validTill(v, found)
		if perf != nil {
			r.AddPerf(*perf)
		}
		fs = []finding{f}
	case !found:
		fs = []finding{{el, nagios.Unknown, SanitizeLine(el, 60) + " absent from the status answer"}}
	default:
		fs = []finding{{el, nagios.OK, SanitizeLine(el, 60) + " = " + showValue(v)}}
	}
	for _, f := range fs {
		f.addTo(r)
	}
	return fs[0].text
}

func appStateFinding(v any, found bool) finding {
	const name = "app_state"
	if !found {
		return absent(name)
	}
	s, ok := v.(string)
	if !ok {
		return finding{name, nagios.Unknown, fmt.Sprintf("app_state is %s, not text", showValue(v))}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return finding{name, nagios.OK, "running"}
	case "restarting":
		return finding{name, nagios.Warning, "restarting"}
	case "stopped":
		return finding{name, nagios.Critical, "stopped"}
	}
	return finding{name, nagios.Unknown, fmt.Sprintf(`app_state %s is not one this check knows ("", restarting, stopped)`, showValue(s))}
}

func appStatusFinding(v any, found bool) finding {
	const name = "app_status"
	if !found {
		return absent(name)
	}
	s, ok := v.(string)
	if !ok {
		return finding{name, nagios.Unknown, fmt.Sprintf("app_status is %s, not text", showValue(v))}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ok":
		return finding{name, nagios.OK, "status Ok"}
	case "warning":
		return finding{name, nagios.Warning, "status Warning"}
	case "error":
		return finding{name, nagios.Critical, "status Error"}
	}
	return finding{name, nagios.Unknown, fmt.Sprintf("app_status %s is not one this check knows (Ok, Warning, Error)", showValue(s))}
}

func appErrFinding(v any, found bool) finding {
	if !found {
		return absent("app_err")
	}
	if e := errText(v); e != "" {
		return finding{"app_err", nagios.OK, "last error: " + e}
	}
	return finding{"app_err", nagios.OK, "no error text"}
}

// withAppErr puts the error text where the operator reads it: after the
// worse of app_state and app_status when one is a problem (app_state on a
// tie: "stopped: AMI connection lost"), else after the status.
func withAppErr(st finding, hasState bool, ss finding, hasStatus bool, e string) []finding {
	if e == "" {
		return []finding{st, ss}
	}
	switch {
	case hasState && st.state != nagios.OK && !ss.state.Worse(st.state):
		st.text += ": " + e
	case hasStatus && ss.state != nagios.OK:
		ss.text += ": " + e
	case hasStatus:
		ss.text += ", last error: " + e
	case hasState:
		st.text += ", last error: " + e
	default:
		return []finding{st, ss, {"app_err", nagios.OK, "last error: " + e}}
	}
	return []finding{st, ss}
}

// errText is app_err as one safe line; null and "" are no error.
func errText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return SanitizeLine(v, 120)
	}
	return valueLine(v, 120)
}

func (ru itgrixRules) licenseType(v any, found bool) finding {
	const name = "license.type"
	if !found {
		return absent(name)
	}
	s, ok := v.(string)
	if !ok {
		return finding{name, nagios.Unknown, fmt.Sprintf("license.type is %s, not text", showValue(v))}
	}
	s = SanitizeLine(s, 40)
	// the CRM connector spells types "LicenseType_Subscription"
	bare := s
	if len(bare) > len("LicenseType_") && strings.EqualFold(bare[:len("LicenseType_")], "LicenseType_") {
		bare = bare[len("LicenseType_"):]
	}
	for _, t := range ru.types {
		if strings.EqualFold(strings.TrimSpace(t), bare) {
			return finding{name, nagios.OK, "licence " + s}
		}
	}
	if s == "" {
		s = `""`
	}
	return finding{name, nagios.Warning, fmt.Sprintf("licence %s, not %s", s, orList(ru.types))}
}

// validTill: valid_till is the last day on which the licence is valid, so a
// licence valid till today has 0 days left and still works.
func (ru itgrixRules) validTill(v any, found bool) (finding, *nagios.Perfdata) {
	const name = "license.valid_till"
	if !found {
		return absent(name), nil
	}
	s, ok := v.(string)
	if !ok {
		return finding{name, nagios.Unknown, fmt.Sprintf("license.valid_till is %s, not a date", showValue(v))}, nil
	}
	till, err := parseDay(s)
	if err != nil {
		return finding{name, nagios.Unknown, fmt.Sprintf("license.valid_till %s is not a date (YYYY-MM-DD)", showValue(s))}, nil
	}
	y, m, d := ru.today.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	days := (till.Unix() - today.Unix()) / 86400
	th := nagios.Thresholds{
		Warn: &nagios.Range{Start: float64(ru.warn), End: math.Inf(1)},
		Crit: &nagios.Range{Start: float64(ru.crit), End: math.Inf(1)},
	}
	perf := &nagios.Perfdata{Label: "license_days", Value: float64(days), Warn: th.Warn, Crit: th.Crit}
	when := till.Format(time.DateOnly)
	st := th.Evaluate(float64(days))
	var text string
	switch {
	case days < 0:
		st = nagios.Critical
		text = fmt.Sprintf("licence expired: its last valid day was %s (%s ago)", when, plural(-days, "day"))
	case days == 0:
		text = fmt.Sprintf("licence ends today (%s is its last valid day)", when)
	default:
		text = fmt.Sprintf("licence valid till %s (%s left)", when, plural(days, "day"))
	}
	return finding{name, st, text}, perf
}

// parseDay reads YYYY-MM-DD, also when a time of day follows.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	return time.Parse(time.DateOnly, s)
}

// licenceOK is the licence part of an all-well summary:
// "licence Professional valid till 2026-07-20 (200 days left)".
func licenceOK(lt, lv finding) string {
	return lt.text + strings.TrimPrefix(lv.text, "licence")
}

// itgrixSummary is line 1: the problems worst first, or the OK text. The
// app_status line is left out when app_state already says as much
// ("stopped" with status Error).
func itgrixSummary(r *Result, okText string) string {
	var state *Detail
	for i := range r.Details {
		if r.Details[i].Name == "app_state" {
			state = &r.Details[i]
		}
	}
	view := Result{}
	for _, d := range r.Details {
		if d.Name == "app_status" && state != nil && state.State != nagios.OK && !d.State.Worse(state.State) {
			continue
		}
		view.Details = append(view.Details, d)
	}
	if p := view.Problems(); len(p) > 0 {
		return strings.Join(p, "; ")
	}
	return okText
}

// find looks for an element by path at the top level of m, then one level
// down (objects in key order). A null counts as absent.
func find(m map[string]any, path ...string) (any, bool) {
	if v, ok := dig(m, path); ok {
		return v, true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if child, ok := m[k].(map[string]any); ok {
			if v, ok := dig(child, path); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// dig follows path through nested objects; "license.type" as one flat key
// is accepted too.
func dig(m map[string]any, path []string) (any, bool) {
	if m == nil || len(path) == 0 {
		return nil, false
	}
	if len(path) > 1 {
		if v, ok := m[strings.Join(path, ".")]; ok && v != nil {
			return v, true
		}
	}
	v, ok := m[path[0]]
	if !ok || v == nil {
		return nil, false
	}
	if len(path) == 1 {
		return v, true
	}
	child, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	return dig(child, path[1:])
}

// pathValue finds the element asked for with --path in the answer, which
// may be the bare value ("stopped"), an object holding it under its name
// ({"app_state":"stopped"}, {"license":{"type":"Free"}}), or the whole
// status when a server ignores the path parameter.
func pathValue(doc any, el string, segs []string) (any, bool) {
	m, ok := doc.(map[string]any)
	if !ok {
		return doc, doc != nil
	}
	if v, ok := m[el]; ok {
		return v, v != nil
	}
	if v, ok := find(m, segs...); ok {
		return v, true
	}
	if len(segs) > 1 && len(m) == 1 {
		if v, ok := m[segs[len(segs)-1]]; ok {
			return v, v != nil
		}
	}
	return doc, true
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a JSON array"
	case string:
		return "a JSON string"
	case bool:
		return "a JSON boolean"
	case map[string]any:
		return "a JSON object"
	}
	return "a JSON number"
}

func keyList(m map[string]any) string {
	if len(m) == 0 {
		return "no keys"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, SanitizeLine(k, 30))
	}
	slices.Sort(keys)
	if len(keys) > 5 {
		keys = append(keys[:5], "…")
	}
	return strings.Join(keys, ", ")
}

func orList(xs []string) string {
	switch len(xs) {
	case 0:
		return "an accepted type"
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
