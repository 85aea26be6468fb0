package probe

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
)

// A body is decoded here, not by net/http: Go decodes gzip only when it
// chose the Accept-Encoding itself, so a user's -H 'Accept-Encoding: br,
// gzip' (or '*') would leave the content checks to run on compressed
// bytes. Every answer is decoded by what its Content-Encoding says, gzip,
// deflate or br, whatever the request asked for, and the body cap counts
// decoded bytes, so a small compressed bomb is cut like any long body.

// defaultAcceptEncoding is sent when the user gave no Accept-Encoding:
// what net/http itself sends.
const defaultAcceptEncoding = "gzip"

// maxEncodings caps the encodings an answer may stack: each one is a
// decoder with a window of its own.
const maxEncodings = 3

// DecodeError is a body that does not decode as its Content-Encoding says.
type DecodeError struct {
	Encoding string
	Err      error
}

func (e *DecodeError) Error() string { return e.Encoding + ": " + e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// contentEncodings lists the codings of h's Content-Encoding in the order
// they were applied, without identity; known is false when one of them is
// not one this client decodes (the body is then left as it came).
func contentEncodings(h http.Header) (codings []string, known bool) {
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			switch c = strings.ToLower(strings.TrimSpace(c)); c {
			case "", "identity":
			case "gzip", "x-gzip", "deflate", "br":
				codings = append(codings, c)
			default:
				return nil, false
			}
		}
	}
	return codings, true
}

// decodeBody returns a reader of body decoded by the codings of its
// Content-Encoding, last applied first undone. An empty body stays empty
// (a HEAD answer, a 204 or 304 may still name an encoding). Read errors of
// a decoder are *DecodeError.
func decodeBody(h http.Header, body io.Reader) (io.Reader, error) {
	codings, known := contentEncodings(h)
	if !known || len(codings) == 0 {
		return body, nil
	}
	if len(codings) > maxEncodings {
		return nil, &DecodeError{Encoding: strings.Join(codings, ", "),
			Err: fmt.Errorf("%d encodings stacked, at most %d are decoded", len(codings), maxEncodings)}
	}
	src := &sourceErrors{r: body}
	var r io.Reader = src
	for i := len(codings) - 1; i >= 0; i-- {
		br := bufio.NewReader(r)
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return br, nil // nothing to decode
		} else if err != nil {
			return nil, err // the connection failed: not a decoding problem
		}
		d, err := decoder(codings[i], br)
		if err != nil {
			if src.err != nil {
				return nil, src.err
			}
			return nil, &DecodeError{Encoding: codings[i], Err: err}
		}
		r = decodeErrors{r: d, coding: codings[i], src: src}
	}
	return r, nil
}

func decoder(coding string, br *bufio.Reader) (io.Reader, error) {
	switch coding {
	case "gzip", "x-gzip":
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		z.Multistream(true)
		return z, nil
	case "deflate":
		// RFC 9110's deflate is the zlib format, but servers send raw
		// DEFLATE too: a zlib header is two bytes whose big-endian value
		// is a multiple of 31, with method 8.
		if h, err := br.Peek(2); err == nil && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
			return zlib.NewReader(br)
		}
		return flate.NewReader(br), nil
	default: // br
		return brotli.NewReader(br), nil
	}
}

// sourceErrors remembers the error of the body under the decoders, other
// than its end.
type sourceErrors struct {
	r   io.Reader
	err error
}

func (s *sourceErrors) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF { //nolint:errorlint // io.EOF is returned bare
		s.err = err
	}
	return n, err
}

// decodeErrors marks the errors of a decoder as decoding errors, but when
// the body under it failed (a timeout, a reset, a connection closed
// mid-body): that error passes as it is.
type decodeErrors struct {
	r      io.Reader
	coding string
	src    *sourceErrors
}

func (d decodeErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	switch {
	case err == nil || err == io.EOF: //nolint:errorlint // io.EOF is returned bare
	case d.src.err != nil:
		err = d.src.err
	case !errors.As(err, new(*DecodeError)):
		err = &DecodeError{Encoding: d.coding, Err: err}
	}
	return n, err
}
