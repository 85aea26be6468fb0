package probe

// ValidHeaderValue reports whether s can be sent as the value of a request
// header: no control characters but tab (a line break would end the
// header, and net/http refuses the request only when it is sent). It is the
// one check of a header value: the command line's options and the values a
// server hands back to be sent again (a Pexip token) both go through it.
func ValidHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}
