// Command healthprobe is a health probe for the command line, cron and
// Nagios/Icinga: each check runs once, prints a plugin result and exits
// 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN.
package main

import "os"

func main() { os.Exit(Main()) }
