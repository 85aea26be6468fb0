package probe

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/healthprobe/healthprobe/nagios"
)

func encode(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip", "x-gzip":
		w = gzip.NewWriter(&buf)
	case "deflate": // zlib, as RFC 9110 says
		w = zlib.NewWriter(&buf)
	case "raw-deflate": // what some servers send instead
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&buf)
	default:
		t.Fatalf("no encoder for %s", coding)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodedServer answers with body encoded by the codings named in the
// query's "ce" (applied in order, as Content-Encoding lists them) and
// records the Accept-Encoding it was asked with.
func encodedServer(t *testing.T, body []byte, gotAE *string) string {
	t.Helper()
	return plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gotAE != nil {
			*gotAE = strings.Join(r.Header.Values("Accept-Encoding"), ",")
		}
		b := body
		var names []string
		for _, c := range strings.Split(r.URL.Query().Get("ce"), ",") {
			if c == "" {
				continue
			}
			b = encode(t, c, b)
			if c == "raw-deflate" {
				c = "deflate"
			}
			names = append(names, c)
		}
		if len(names) > 0 {
			w.Header().Set("Content-Encoding", strings.Join(names, ", "))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method != http.MethodHead {
			_, _ = w.Write(b)
		}
	})).URL
}

// TestDecodeWhateverWasAsked: the content checks see the decoded body for
// every coding a server may send, whatever Accept-Encoding the user gave
// (blackbox_exporter's TestHandlingOfCompressionSetting cases): Go decodes
// only the gzip it asked for itself.
func TestDecodeWhateverWasAsked(t *testing.T) {
	page := []byte(strings.Repeat("hello world ", 10) + "service ready")
	var gotAE string
	url := encodedServer(t, page, &gotAE)
	for _, ce := range []string{"", "gzip", "x-gzip", "deflate", "raw-deflate", "br", "gzip,br", "br,deflate"} {
		for _, ae := range []string{"", "gzip", "br, gzip", "*", "identity"} {
			t.Run(ce+"/"+ae, func(t *testing.T) {
				h := http.Header{}
				if ae != "" {
					h.Set("Accept-Encoding", ae)
				}
				r := runHTTP(t, HTTPConfig{URL: url + "/?ce=" + ce, Keywords: []string{"service ready"}, Client: ClientConfig{Headers: h}})
				if r.State != nagios.OK {
					t.Fatalf("%v %s", r.State, r.Summary)
				}
				if p, _ := perf(r, "size"); p.Value != float64(len(page)) {
					t.Errorf("size %v, want the decoded %d", p.Value, len(page))
				}
				want := ae
				if want == "" {
					want = "gzip" // what net/http itself sends
				}
				if gotAE != want {
					t.Errorf("sent Accept-Encoding %q, want %q", gotAE, want)
				}
			})
		}
	}
}

func TestDecodeEdgeCases(t *testing.T) {
	big := bytes.Repeat([]byte("A"), 1<<20)
	bomb := encode(t, "gzip", big)
	srv := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bomb": // 1 MiB of A in 1 KiB of gzip
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb)
		case "/unknown": // passed as it came, as blackbox does
			w.Header().Set("Content-Encoding", "xxx")
			_, _ = w.Write([]byte("xxx-coded service ready"))
		case "/corrupt":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write([]byte("this is not gzip at all"))
		case "/corrupt-br":
			w.Header().Set("Content-Encoding", "br")
			_, _ = w.Write([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		case "/stacked":
			w.Header().Set("Content-Encoding", "gzip, gzip, gzip, gzip")
			_, _ = w.Write(bomb)
		case "/empty", "/head": // a 204 or HEAD answer may still name its coding
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusNoContent)
		case "/cut": // the connection ends in the middle of a gzip body
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Length", strconv.Itoa(len(bomb)))
			_, _ = w.Write(bomb[:len(bomb)/2])
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			_ = c.Close()
		}
	}))
	tests := []struct {
		path, method string
		maxBody      int64
		want         nagios.State
		summary      string
	}{
		{"/bomb", "", 1 << 10, nagios.Warning, "body cut at 1 KiB (--max-body): checks saw only the start; "},
		{"/unknown", "", 0, nagios.OK, "200 OK, keyword"},
		{"/corrupt", "", 0, nagios.Critical, "reading body failed after 0 bytes: the body from 127.0.0.1:"},
		{"/corrupt-br", "", 0, nagios.Critical, "reading body failed after 0 bytes: the body from 127.0.0.1:"},
		{"/stacked", "", 0, nagios.Critical, "reading body failed after 0 bytes: the body from 127.0.0.1:"},
		{"/empty", "", 0, nagios.OK, "204 No Content, "},
		{"/head", http.MethodHead, 0, nagios.OK, "204 No Content, "},
		{"/cut", "", 0, nagios.Critical, "reading body failed after 0 bytes: 127.0.0.1:"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			cfg := HTTPConfig{URL: srv.URL + tt.path, Method: tt.method, Client: ClientConfig{MaxBody: tt.maxBody}}
			if tt.path == "/unknown" {
				cfg.Keywords = []string{"service ready"}
			}
			r := runHTTP(t, cfg)
			if r.State != tt.want || !strings.HasPrefix(r.Summary, tt.summary) {
				t.Fatalf("got %v %q, want %v %q…", r.State, r.Summary, tt.want, tt.summary)
			}
			switch tt.path {
			case "/corrupt":
				if !strings.Contains(r.Summary, "is not the gzip its Content-Encoding announces") {
					t.Errorf("summary %q", r.Summary)
				}
			case "/corrupt-br":
				if !strings.Contains(r.Summary, "is not the br its Content-Encoding announces") {
					t.Errorf("summary %q", r.Summary)
				}
			case "/stacked":
				if !strings.Contains(r.Summary, "4 encodings stacked, at most 3 are decoded") {
					t.Errorf("summary %q", r.Summary)
				}
			case "/cut":
				if !strings.Contains(r.Summary, "closed the connection before the answer was complete") {
					t.Errorf("a cut connection is not a decoding error: %q", r.Summary)
				}
			}
		})
	}
}

// FuzzDecodeBody: any Content-Encoding and any bytes decode to at most
// the cap, or fail with an error; never a panic or a hang.
func FuzzDecodeBody(f *testing.F) {
	f.Add("gzip", encode(&testing.T{}, "gzip", []byte("hello")))
	f.Add("br", encode(&testing.T{}, "br", []byte("hello")))
	f.Add("deflate, br", []byte{0x78, 0x9c, 0x01})
	f.Add("x-gzip, identity", []byte{})
	f.Fuzz(func(t *testing.T, ce string, body []byte) {
		h := http.Header{"Content-Encoding": {ce}}
		r, err := decodeBody(h, bytes.NewReader(body))
		if err != nil {
			return
		}
		b, _ := io.ReadAll(io.LimitReader(r, 1<<16))
		if len(b) > 1<<16 {
			t.Fatalf("read %d bytes past the cap", len(b))
		}
	})
}
