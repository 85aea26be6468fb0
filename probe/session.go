package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

// Session is one run of an HTTP-based check: the result it builds, the
// client its requests share, the redactor of the run and when it started.
// Every HTTP-based probe runs inside RunHTTP, which makes one.
type Session struct {
	R        *Result
	Client   *Client
	Redactor *redact.Redactor // never nil: a probe may add secrets a server issues
	Start    time.Time
	cfg      ClientConfig
}

// RunHTTP is the frame of every HTTP-based check: it starts the timer,
// builds the Result and the client (a client that cannot be built is an
// UNKNOWN result), lets check do the requests and judge the answers, and on
// the way out states --insecure when it applied, releases the client and
// records the duration. kind is the Result's Kind ("HTTP"), target what is
// probed, without secrets (RedactURL).
func RunHTTP(ctx context.Context, kind, target string, cc ClientConfig, check func(ctx context.Context, s *Session)) (r Result) {
	start := time.Now()
	r = Result{Kind: kind, Target: target} // named: the deferred Duration reaches the caller
	defer func() { r.Duration = time.Since(start) }()
	if cc.Redactor == nil {
		cc.Redactor = redact.New()
	}
	client, err := NewClient(cc)
	if err != nil {
		return r.Fail(nagios.Unknown, err.Error())
	}
	defer client.Close()
	defer client.NoteInsecure(&r)
	check(ctx, &Session{R: &r, Client: client, Redactor: cc.Redactor, Start: start, cfg: cc})
	return r
}

// Do sends one request through the session's client (see Client.Do). A
// failure comes back as a *RequestError, already classified: its State and
// one-line Reason are ready for the result. ex is not nil when the answer
// had begun (its headers arrived) before the failure.
func (s *Session) Do(ctx context.Context, method, rawURL string, body []byte, header http.Header) (*Exchange, *RequestError) {
	ex, err := s.Client.Do(ctx, method, rawURL, body, header)
	if err == nil {
		return ex, nil
	}
	var rerr *RequestError
	if !errors.As(err, &rerr) {
		rerr = &RequestError{State: nagios.Unknown, Reason: SanitizeLine(err.Error(), 200), Err: err}
	}
	return ex, rerr
}

// Fail ends the check on a request that failed: its state and reason
// become the result's.
func (s *Session) Fail(err *RequestError) {
	s.R.Fail(err.State, err.Reason)
}

// Logf writes a verbose line (-v) through the client config's Log.
func (s *Session) Logf(format string, args ...any) {
	s.Client.logf(1, format, args...)
}

// CheckCertificate adds the certificate sub-check of an answer over TLS:
// the earliest expiry in the served chain, against the client config's
// CertWarnDays and CertCritDays, with its perfdata.
func (s *Session) CheckCertificate(ex *Exchange) {
	checkCertificate(s.R, s.cfg, ex)
}

func checkCertificate(r *Result, cc ClientConfig, ex *Exchange) {
	if ex.TLS == nil || len(ex.TLS.PeerCertificates) == 0 {
		return
	}
	earliest := ex.TLS.PeerCertificates[0]
	for _, c := range ex.TLS.PeerCertificates[1:] {
		if c.NotAfter.Before(earliest.NotAfter) {
			earliest = c
		}
	}
	left := time.Until(earliest.NotAfter)
	days := math.Floor(left.Hours() / 24)
	var th nagios.Thresholds
	if cc.CertWarnDays != nil {
		th.Warn = &nagios.Range{Start: float64(*cc.CertWarnDays), End: math.Inf(1)}
	}
	if cc.CertCritDays != nil {
		th.Crit = &nagios.Range{Start: float64(*cc.CertCritDays), End: math.Inf(1)}
	}
	st := th.Evaluate(days)
	if left < 24*time.Hour && cc.CertCritDays == nil {
		// its last day: CRITICAL, as check_curl and every operator say,
		// unless --cert-critical says otherwise
		st = nagios.Critical
	}
	subject := SanitizeLine(earliest.Subject.CommonName, 60)
	if subject == "" {
		subject = "the served chain"
	}
	when := earliest.NotAfter.UTC().Format("2006-01-02")
	var text string
	switch {
	case left < 0:
		st = nagios.Critical
		text = fmt.Sprintf("certificate %s expired on %s", subject, when)
	case left < time.Hour:
		text = fmt.Sprintf("certificate %s expires in %s (%s)", subject, plural(int64(left/time.Minute), "minute"), earliest.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
	case left < 24*time.Hour:
		text = fmt.Sprintf("certificate %s expires in %s (%s)", subject, plural(int64(left/time.Hour), "hour"), earliest.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
	default:
		text = fmt.Sprintf("certificate %s expires in %d days (%s)", subject, int(days), when)
	}
	r.Add("certificate", st, text)
	r.AddPerf(nagios.Perfdata{Label: "cert_days", Value: days, Warn: th.Warn, Crit: th.Crit})
}
