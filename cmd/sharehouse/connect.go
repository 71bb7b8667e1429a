package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// connectOptions are the flags of `sharehouse connect`.
type connectOptions struct {
	psql string // the psql to run: a path, or a name looked up in PATH
}

func defaultConnectOptions() *connectOptions {
	return &connectOptions{psql: "psql"}
}

// AddFlags registers the options on fs.
func (o *connectOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.psql, "psql", o.psql, "the psql program to run")
}

// Validate checks the options.
func (o *connectOptions) Validate() error {
	if o.psql == "" {
		return errors.New("--psql must not be empty")
	}
	return nil
}

func newConnectCmd(stdout, stderr io.Writer, environ func() []string) *cobra.Command {
	o := defaultConnectOptions()
	cmd := &cobra.Command{
		Use:   "connect FILE [SHARE] [-- PSQL-ARGS...]",
		Short: "Open psql with a saved credential",
		Long: `Open psql as the recipient of a credential file saved by
"sharehouse activate", connected to the database named after SHARE (the
file's "share" when not given). The bearer token goes to psql in its
environment (PGPASSWORD), never on its command line. Arguments after --
go to psql, e.g.:  sharehouse connect acme.share.json sales -- -c 'SELECT 1'`,
		Args: func(cmd *cobra.Command, args []string) error {
			n := len(args)
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				n = dash
			}
			if n < 1 || n > 2 {
				return fmt.Errorf("want FILE [SHARE] before --, got %d arguments", n)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			pos, extra := args, []string(nil)
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				pos, extra = args[:dash], args[dash:]
			}
			share := ""
			if len(pos) == 2 {
				share = pos[1]
			}
			argv, env, err := psqlCommand(pos[0], share, extra, environ(), stderr, time.Now())
			if err != nil {
				return err
			}
			path, err := exec.LookPath(o.psql)
			if err != nil {
				return fmt.Errorf("cannot run psql (install postgresql-client, or pass --psql): %w", err)
			}
			// Replace this process: psql gets the terminal and the
			// signals (Ctrl-C cancels its query, not us), and its exit
			// status is ours.
			argv[0] = o.psql
			return syscall.Exec(path, argv, env)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// psqlCommand reads the credential file and returns psql's argv (argv[0]
// a placeholder) and environment: the connection URL without the token on
// the command line, the token as PGPASSWORD. Warnings go to warn.
func psqlCommand(file, share string, extra, environ []string, warn io.Writer, now time.Time) (argv, env []string, err error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	cred, err := parseShareCredential(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(warn, "warning: %s holds a secret but others may read it (mode %04o); chmod 600 %s\n",
			file, info.Mode().Perm(), shellQuote(file))
	}
	if exp, _ := cred.expires(); !exp.IsZero() && !now.Before(exp) {
		fmt.Fprintf(warn, "warning: the token in %s expired at %s; ask the data provider for a new activation link\n",
			file, exp.Format(time.RFC3339))
	}
	if share == "" {
		share = cred.Share
	}
	if share == "" {
		return nil, nil, fmt.Errorf("which share? give it after the file (sharehouse connect %s SHARE): a recipient connects to the database named after a share granted to it", shellQuote(file))
	}
	conn, err := cred.connURL(share)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	argv = append([]string{"psql", conn}, extra...)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "PGPASSWORD=") {
			env = append(env, kv)
		}
	}
	env = append(env, "PGPASSWORD="+cred.BearerToken)
	return argv, env, nil
}
