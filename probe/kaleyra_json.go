package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The JSON form of the monitor answer is not documented. These types accept
// the shapes it plausibly takes: the fields at the top level or under "api";
// incidents under "data" or at the top level; incidents and numbers as plain
// lists, as objects holding a "monitor" list (as the XML does), or as one
// object; numbers and status as strings or numbers; "region_code" or
// "region-code".
type kaleyraJSONAnswer struct {
	API       *kaleyraJSONAnswer            `json:"api"`
	Status    jsonScalar                    `json:"status"`
	Message   jsonScalar                    `json:"message"`
	Data      kaleyraJSONData               `json:"data"`
	Incidents jsonList[kaleyraJSONIncident] `json:"incidents"`
}

type kaleyraJSONIncident struct {
	Region         jsonScalar           `json:"region"`
	RegionCode     jsonScalar           `json:"region_code"`
	RegionCodeDash jsonScalar           `json:"region-code"`
	Type           jsonScalar           `json:"type"`
	Service        jsonScalar           `json:"service"`
	Numbers        jsonList[jsonScalar] `json:"numbers"`
}

// errKaleyraNoJSON: the body does not even start a JSON object.
var errKaleyraNoJSON = errors.New("no JSON object")

// parseKaleyraJSON decodes the JSON answer. Errors are one line.
func parseKaleyraJSON(body []byte) (kaleyraAnswer, error) {
	tok, err := jsonFirstToken(body)
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return kaleyraAnswer{}, errKaleyraNoJSON
	case err != nil:
		return kaleyraAnswer{}, jsonError(err)
	}
	if tok != json.Delim('{') {
		if !json.Valid(body) {
			return kaleyraAnswer{}, errKaleyraNoJSON
		}
		return kaleyraAnswer{}, fmt.Errorf("the JSON answer is %s, not an object", jsonTokenKind(tok))
	}
	var v kaleyraJSONAnswer
	// a Decoder, unlike Unmarshal, tells a cut document (io.ErrUnexpectedEOF)
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&v); err != nil {
		return kaleyraAnswer{}, jsonError(err)
	}
	if v.API != nil {
		v = *v.API
	}
	a := kaleyraAnswer{Status: strings.TrimSpace(string(v.Status)), Message: strings.TrimSpace(string(v.Message))}
	incidents := v.Data.Incidents
	if len(incidents) == 0 {
		incidents = v.Incidents
	}
	for _, in := range incidents {
		var numbers []string
		for _, n := range in.Numbers {
			numbers = append(numbers, string(n))
		}
		a.Incidents = append(a.Incidents, newKaleyraIncident(string(in.Region), string(in.RegionCode), string(in.RegionCodeDash),
			string(in.Type), string(in.Service), numbers))
	}
	return a, nil
}

// jsonError turns a decoding error into a short, safe phrase.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var shape *jsonShapeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &endsEarlyError{"JSON"}
	case errors.As(err, &syn):
		return fmt.Errorf("malformed JSON (at byte %d: %s)", syn.Offset, SanitizeLine(syn.Error(), 80))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "a value"
		}
		return fmt.Errorf("unexpected JSON: %s is a %s", SanitizeLine(field, 60), typ.Value)
	case errors.As(err, &shape):
		return fmt.Errorf("unexpected JSON: %s", shape)
	}
	return fmt.Errorf("malformed JSON (%s)", SanitizeLine(err.Error(), 100))
}

// jsonShapeError is a value of a kind the answer cannot hold there.
type jsonShapeError struct{ want, got string }

func (e *jsonShapeError) Error() string { return fmt.Sprintf("%s where %s belongs", e.got, e.want) }

// jsonFirstToken returns the first token of a JSON value: a json.Delim for
// an object or array, else the scalar itself (numbers as json.Number).
func jsonFirstToken(b []byte) (json.Token, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Token()
}

func jsonTokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "a list"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// jsonScalar is a string or a number, kept as text ("200", "E701",
// "+0809900112234", 878788197367616). null is "".
type jsonScalar string

func (s *jsonScalar) UnmarshalJSON(b []byte) error {
	tok, err := jsonFirstToken(b)
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case string:
		*s = jsonScalar(t)
	case json.Number:
		*s = jsonScalar(t.String())
	case nil:
		*s = ""
	default:
		return &jsonShapeError{"a string or a number", jsonTokenKind(tok)}
	}
	return nil
}

// jsonList is a list that may come as [a, b], as {"monitor": [a, b]} or
// {"monitor": a} (the XML's shape), as a single a, or empty as null, "" or {}.
type jsonList[T any] []T

func (l *jsonList[T]) UnmarshalJSON(b []byte) error { return l.decode(b, true) }

func (l *jsonList[T]) decode(b []byte, unwrap bool) error {
	tok, err := jsonFirstToken(b)
	if err != nil {
		return err
	}
	*l = nil
	switch tok {
	case json.Delim('['):
		var items []T
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		*l = items
		return nil
	case json.Delim('{'):
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		if len(obj) == 0 {
			return nil
		}
		for k, inner := range obj {
			if unwrap && strings.EqualFold(k, "monitor") {
				return l.decode(inner, false) // one level only: no work on absurd nesting
			}
		}
	case nil:
		return nil
	}
	if s, ok := tok.(string); ok && strings.TrimSpace(s) == "" {
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*l = jsonList[T]{one}
	return nil
}

// kaleyraJSONData is "data": an object holding "incidents", or the
// incidents themselves as a list (PHP encodes an empty one as []), or empty.
type kaleyraJSONData struct {
	Incidents jsonList[kaleyraJSONIncident]
}

func (d *kaleyraJSONData) UnmarshalJSON(b []byte) error {
	tok, err := jsonFirstToken(b)
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return d.Incidents.UnmarshalJSON(b)
		}
		var v struct {
			Incidents jsonList[kaleyraJSONIncident] `json:"incidents"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		d.Incidents = v.Incidents
		return nil
	case nil:
		return nil
	case string:
		if strings.TrimSpace(t) == "" {
			return nil
		}
	}
	return &jsonShapeError{"an object (data)", jsonTokenKind(tok)}
}
