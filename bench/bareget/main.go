// Command bareget is the yardstick for the benchmark: the least a Go program
// can do to GET a URL and read its body. healthprobe is compared with it.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, n)
}
