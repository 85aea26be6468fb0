//go:build !unix

package limitfile

import "os"

func open(path string) (*os.File, error) { return os.Open(path) }
