package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// The server's memory: the column cache takes a share of what the machine
// (or its cgroup) has, and the garbage collector is told the limit, so a
// large cache does not let the heap grow to GOGC times it.

const (
	// defaultCacheShare of memory goes to decoded columns unless
	// --cache-size says otherwise.
	defaultCacheShare = 4 // one quarter
	// fallbackMemory is assumed when the memory size cannot be read.
	fallbackMemory = 4 << 30
	// memoryLimitShare: the heap is held below 3/4 of memory (GOMEMLIMIT).
	memoryLimitNum, memoryLimitDen = 3, 4
)

// totalMemory is the memory the server may use: the machine's, or its
// cgroup's limit when lower.
func totalMemory() int64 {
	total := int64(fallbackMemory)
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if kb, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				if n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64); err == nil && n > 0 {
					total = n << 10
				}
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < total {
			total = n
		}
	}
	return total
}

// cacheBytes resolves --cache-size: "" is a quarter of memory; otherwise
// a size such as 512MB, 4GiB or 0 (no cache).
func cacheBytes(flag string, total int64) (int64, error) {
	if flag == "" {
		return total / defaultCacheShare, nil
	}
	n, err := humanize.ParseBytes(flag)
	if err != nil || n > 1<<50 {
		return 0, fmt.Errorf("--cache-size %q: want a size such as 512MB, 4GiB or 0", flag)
	}
	return int64(n), nil
}

// queryMemoryBytes resolves --query-memory: "" is the executor's default
// (0 here); otherwise a positive size such as 256MB or 2GiB.
func queryMemoryBytes(flag string) (int64, error) {
	if flag == "" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(flag)
	if err != nil || n == 0 || n > 1<<50 {
		return 0, fmt.Errorf("--query-memory %q: want a size such as 256MB or 2GiB", flag)
	}
	return int64(n), nil
}

// tuneGC sets the collector's target (GOGC) and, unless GOMEMLIMIT is
// set, a soft heap limit of 3/4 of memory.
func tuneGC(getenv func(string) string, total int64) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(total / memoryLimitDen * memoryLimitNum)
	}
}

// serveDebug serves the profiler on ln until it is closed: where a query's
// CPU and memory go, on a running server.
func serveDebug(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srv.Serve(ln)
}
