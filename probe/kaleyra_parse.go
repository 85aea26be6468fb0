package probe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// kaleyraAnswer is one answer of Kaleyra's voice monitor API
// (method=monitor), read from XML or JSON.
type kaleyraAnswer struct {
	Status    string // "200" or "OK" with data; E701 no incidents; E542 plugin not subscribed; others
	Message   string
	Incidents []kaleyraIncident
}

// kaleyraIncident is one region's state and the numbers it concerns.
type kaleyraIncident struct {
	Region     string
	RegionCode string
	Type       string // operational, warning, critical
	Service    string // incoming, outgoing, all
	Numbers    []string
}

// kaleyraXMLAnswer is the documented XML (seed 002):
//
//	<api><status>200</status><message>OK</message>
//	  <data><incidents><monitor>...</monitor>...</incidents></data></api>
type kaleyraXMLAnswer struct {
	Status    string               `xml:"status"`
	Message   string               `xml:"message"`
	Incidents []kaleyraXMLIncident `xml:"data>incidents>monitor"`
}

type kaleyraXMLIncident struct {
	Region         string   `xml:"region"`
	RegionCode     string   `xml:"region_code"`
	RegionCodeDash string   `xml:"region-code"` // the seed's field table spells it so
	Type           string   `xml:"type"`
	Service        string   `xml:"service"`
	Numbers        []string `xml:"numbers>monitor"`
}

// kaleyraMaxDepth caps element nesting: the documented answer is six deep.
const kaleyraMaxDepth = 64

// errKaleyraNoElement: the body holds no XML element at all.
var errKaleyraNoElement = errors.New("no XML element")

// kaleyraRootError is an XML document whose root is not <api>.
type kaleyraRootError struct{ Root string }

func (e *kaleyraRootError) Error() string {
	return fmt.Sprintf("unexpected XML root element <%s>, want <api>", e.Root)
}

// parseKaleyraXML decodes the XML answer. Errors are one line.
func parseKaleyraXML(body []byte) (kaleyraAnswer, error) {
	raw := xml.NewDecoder(bytes.NewReader(body))
	raw.CharsetReader = func(label string, _ io.Reader) (io.Reader, error) { return nil, &charsetError{label} }
	d := xml.NewTokenDecoder(&depthLimiter{d: raw, max: kaleyraMaxDepth})
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return kaleyraAnswer{}, errKaleyraNoElement
		}
		if err != nil {
			return kaleyraAnswer{}, xmlError(err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if start.Name.Local != "api" {
			return kaleyraAnswer{}, &kaleyraRootError{Root: SanitizeLine(start.Name.Local, 40)}
		}
		var v kaleyraXMLAnswer
		if err := d.DecodeElement(&v, &start); err != nil {
			return kaleyraAnswer{}, xmlError(err)
		}
		return v.answer(), nil
	}
}

func (v kaleyraXMLAnswer) answer() kaleyraAnswer {
	a := kaleyraAnswer{Status: strings.TrimSpace(v.Status), Message: strings.TrimSpace(v.Message)}
	for _, in := range v.Incidents {
		a.Incidents = append(a.Incidents, newKaleyraIncident(in.Region, in.RegionCode, in.RegionCodeDash, in.Type, in.Service, in.Numbers))
	}
	return a
}

// newKaleyraIncident trims every field and drops empty numbers;
// region_code wins over region-code.
func newKaleyraIncident(region, code, codeDash, typ, service string, numbers []string) kaleyraIncident {
	if strings.TrimSpace(code) == "" {
		code = codeDash
	}
	return kaleyraIncident{
		Region: strings.TrimSpace(region), RegionCode: strings.TrimSpace(code),
		Type: strings.TrimSpace(typ), Service: strings.TrimSpace(service),
		Numbers: trimAll(numbers),
	}
}

func trimAll(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// xmlError turns a decoding error into a short, safe phrase.
func xmlError(err error) error {
	var syn *xml.SyntaxError
	var depth *depthError
	var charset *charsetError
	switch {
	case errors.As(err, &depth):
		return err
	case errors.As(err, &charset):
		return charset
	case errors.As(err, &syn) && strings.Contains(syn.Msg, "unexpected EOF"):
		return &endsEarlyError{"XML"}
	case errors.As(err, &syn):
		return fmt.Errorf("malformed XML (line %d: %s)", syn.Line, SanitizeLine(syn.Msg, 100))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &endsEarlyError{"XML"}
	}
	return fmt.Errorf("malformed XML (%s)", SanitizeLine(err.Error(), 100))
}

// endsEarlyError is a document cut short. It is an io.ErrUnexpectedEOF.
type endsEarlyError struct{ what string }

func (e *endsEarlyError) Error() string {
	return "the " + e.what + " ends early (incomplete answer)"
}
func (e *endsEarlyError) Unwrap() error { return io.ErrUnexpectedEOF }

// charsetError is an XML declaration naming an encoding other than UTF-8,
// which encoding/xml does not read (the API is not known to send one).
type charsetError struct{ label string }

func (e *charsetError) Error() string {
	return fmt.Sprintf("the XML declares encoding %q; only UTF-8 is read", SanitizeLine(e.label, 30))
}

// depthLimiter passes tokens through and stops a document nested deeper
// than max elements, before the decoder spends work on it.
type depthLimiter struct {
	d          *xml.Decoder
	depth, max int
}

type depthError struct{ max int }

func (e *depthError) Error() string {
	return fmt.Sprintf("the XML is nested deeper than %d elements", e.max)
}

func (l *depthLimiter) Token() (xml.Token, error) {
	tok, err := l.d.Token()
	switch tok.(type) {
	case xml.StartElement:
		if l.depth++; l.depth > l.max {
			return nil, &depthError{l.max}
		}
	case xml.EndElement:
		l.depth--
	}
	return tok, err
}
