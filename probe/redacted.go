package probe

import (
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

// Redacted is r with the secrets of red masked in each of its texts: the
// summary, the target, each sub-check's name and text and each perfdata
// label (everything output, state files and events show but the kind and
// the states). The boundaries apply it: output before a result is cut and
// escaped for its format, notify before a result is compared, stored or
// sent. A nil or empty red gives r back.
func (r Result) Redacted(red *redact.Redactor) Result {
	if red.Len() == 0 {
		return r
	}
	r.Summary = red.String(r.Summary)
	r.Target = red.String(r.Target)
	details := make([]Detail, len(r.Details))
	for i, d := range r.Details {
		d.Name, d.Text = red.String(d.Name), red.String(d.Text)
		details[i] = d
	}
	r.Details = details
	perf := make([]nagios.Perfdata, len(r.Perfdata))
	for i, p := range r.Perfdata {
		p.Label = red.String(p.Label)
		perf[i] = p
	}
	r.Perfdata = perf
	return r
}
