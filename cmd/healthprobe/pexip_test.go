package main

import "testing"

func TestPexipBaseURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "conf01.example.com", want: "https://conf01.example.com"},
		{in: " conf01.example.com:8443 ", want: "https://conf01.example.com:8443"},
		{in: "[::1]:8443", want: "https://[::1]:8443"},
		{in: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080"},
		{in: "https://proxy.example.com/pexip/", want: "https://proxy.example.com/pexip"},
		{in: "ftp://conf01.example.com", err: `invalid NODE "ftp://conf01.example.com": the scheme must be http or https`},
		{in: "https://", err: `invalid NODE "https://": no host`}, // as given
		{in: "https://conf01.example.com/api/client/v2/conferences/x/request_token",
			err: "NODE is the node's address, not an API URL: give https://conf01.example.com and --alias"},
		{in: "https://conf01.example.com/?a=b", err: `invalid NODE "https://conf01.example.com/?a=b": no query or fragment allowed`},
		{in: "https://user:secret@conf01.example.com/?a=b", err: `invalid NODE "https://user:xxxxx@conf01.example.com/?a=b": no query or fragment allowed`},
	}
	for _, tt := range tests {
		got, err := pexipBaseURL(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("%q: %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
