package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	// SIGINT/SIGTERM cancel ctx; serve shuts down gracefully when it is done.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(os.Stdout, os.Stderr, os.Getenv, os.Environ)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "sharehouse:", err)
		stop()
		os.Exit(1)
	}
}

// newRootCmd builds the command tree. stdout, stderr, getenv and environ
// are passed in rather than taken from os so that the tree has no hidden
// inputs.
func newRootCmd(stdout, stderr io.Writer, getenv func(string) string, environ func() []string) *cobra.Command {
	root := &cobra.Command{
		Use:           "sharehouse",
		Short:         "A PostgreSQL-wire-compatible server for sharing columnar tables",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServeCmd(stdout, stderr, getenv))
	root.AddCommand(newActivateCmd(stdout, stderr))
	root.AddCommand(newConnectCmd(stdout, stderr, environ))
	root.AddCommand(newVersionCmd(stdout))
	return root
}
