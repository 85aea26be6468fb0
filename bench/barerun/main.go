// Command barerun is the yardstick of a batch: the least a Go program can do
// to make N GETs of one URL, C at a time, each on a fresh connection, reading
// the body and searching it for a keyword. `healthprobe run -c` with N http
// checks of that URL is compared with it (bench/compare.sh batch).
//
//	barerun N C KEYWORD URL
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: barerun N C KEYWORD URL")
		os.Exit(3)
	}
	n, _ := strconv.Atoi(os.Args[1])
	c, _ := strconv.Atoi(os.Args[2])
	keyword, url := []byte(os.Args[3]), os.Args[4]
	// a fresh connection for each GET, as each check of a batch opens its own
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var next, found atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				resp, err := client.Get(url)
				if err != nil {
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && bytes.Contains(body, keyword) {
					found.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("%d of %d found\n", found.Load(), n)
	if found.Load() != int64(n) {
		os.Exit(2)
	}
}
