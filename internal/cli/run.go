package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes of the programs.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// A UsageError is a bad command line: the program exits with ExitUsage.
type UsageError struct {
	err      error
	reported bool // the flag package has already printed it
}

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{err: fmt.Errorf(format, args...)}
}

// Error returns the message.
func (e *UsageError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.err }

// An outputError is a failed write to the program's output.
type outputError struct{ err error }

func (e *outputError) Error() string { return "writing the output: " + e.err.Error() }
func (e *outputError) Unwrap() error { return e.err }

// BrokenPipe reports whether err is a write to an output whose reader has
// gone, as when the output is piped into head: the program then ends
// quietly.
func BrokenPipe(err error) bool {
	var oe *outputError
	return errors.As(err, &oe) && errors.Is(oe.err, syscall.EPIPE)
}

// NewFlagSet returns a flag set for the program name that reports to
// stderr, and whose usage shows synopsis (the lines after "usage:"), the
// flags and the environment variables that carry passwords.
func NewFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, `
Passwords are read from the environment, never from flags, which any user
of the machine can see in the process list:
  %-24s opens -truststore (PKCS12, JKS)
  %-24s opens a -cert .pfx/.p12 file
  %-24s the -proxy password, when its URL has a user but none
`, EnvTrustStorePassword, EnvClientKeyPassword, EnvProxyPassword)
	}
	return fs
}

// Parse parses args. It returns flag.ErrHelp for -help (the usage is then
// printed), and a *UsageError for bad flags or stray arguments.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &UsageError{err: err, reported: true}
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q (flags come before arguments; %s takes none)", fs.Arg(0), fs.Name())
	}
	return nil
}

// ExitCode reports err as the program name does on stderr and returns the
// exit code: 0 for success, -help and a closed output pipe; 2 for a bad
// command line; 130 for an interruption; 1 for any other error.
func ExitCode(name string, err error, stderr io.Writer) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp), BrokenPipe(err):
		return ExitOK
	case errors.As(err, &ue):
		if !ue.reported {
			fmt.Fprintf(stderr, "%s: %v\n%s: run %s -help for the flags\n", name, err, name, name)
		}
		return ExitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "%s: interrupted\n", name)
		return ExitInterrupted
	default:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitError
	}
}

// A RunFunc is a program's body, driven by Main or by its tests.
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Main runs a program: the context ends on SIGINT or SIGTERM, a closed
// output pipe is an error of the write (not a signal that kills the
// program), and the process exits with ExitCode.
func Main(name string, run RunFunc) {
	// Without this, a write to a closed stdout pipe kills the program
	// with SIGPIPE; ignored, the write fails with EPIPE and the run ends
	// quietly through BrokenPipe.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(ExitCode(name, err, os.Stderr))
}
