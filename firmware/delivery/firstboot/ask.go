package firstboot

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Question is one thing setup needs to know. ZH and EN name it for the
// installer; Check says what is wrong with an answer and what to type.
type Question struct {
	ZH, EN  string
	Flag    string // the flag that answers it in a scripted install, e.g. "-site"
	Default string // taken on an empty answer; "" = an answer is required
	Preset  string // the flag's value, if given: checked, and not asked
	Check   func(string) error
}

// Asker asks questions on In and Out. With Yes it never reads In: a
// question without a preset takes its default or fails, naming the flag.
type Asker struct {
	in  *bufio.Reader
	Out io.Writer
	Yes bool
}

// NewAsker reads answers from in, one a line, and writes to out.
func NewAsker(in io.Reader, out io.Writer, yes bool) *Asker {
	return &Asker{in: bufio.NewReader(in), Out: out, Yes: yes}
}

// Ask returns a checked answer to q. A wrong preset is an error rather
// than a question: a script that passed a bad flag should stop, not hang
// on a prompt nobody sees.
func (a *Asker) Ask(q Question) (string, error) {
	if q.Preset != "" {
		if err := check(q, q.Preset); err != nil {
			return "", fmt.Errorf("%s %q: %v", q.Flag, q.Preset, err)
		}
		fmt.Fprintf(a.Out, "%s / %s: %s\n", q.ZH, q.EN, q.Preset)
		return q.Preset, nil
	}
	if a.Yes {
		if q.Default == "" {
			return "", fmt.Errorf("%s is required with -yes (%s / %s)", q.Flag, q.ZH, q.EN)
		}
		fmt.Fprintf(a.Out, "%s / %s: %s\n", q.ZH, q.EN, q.Default)
		return q.Default, check(q, q.Default)
	}
	for {
		fmt.Fprintf(a.Out, "%s / %s", q.ZH, q.EN)
		if q.Default != "" {
			fmt.Fprintf(a.Out, " [%s]", q.Default)
		}
		fmt.Fprint(a.Out, ": ")
		answer, err := a.line()
		if err != nil {
			return "", fmt.Errorf("no answer to %q (%s): %w", q.EN, q.Flag, err)
		}
		if answer == "" {
			answer = q.Default
		}
		err = check(q, answer)
		if err == nil {
			return answer, nil
		}
		fmt.Fprintf(a.Out, "  ✗ %v\n", err)
	}
}

// Confirm asks a yes/no question; -yes answers yes.
func (a *Asker) Confirm(zh, en string) (bool, error) {
	if a.Yes {
		return true, nil
	}
	fmt.Fprintf(a.Out, "%s / %s [Y/n]: ", zh, en)
	answer, err := a.line()
	if err != nil {
		return false, fmt.Errorf("no answer to %q: %w", en, err)
	}
	return answer == "" || strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes") || answer == "是", nil
}

// Say writes a line in both languages, Chinese first.
func (a *Asker) Say(zh, en string) {
	fmt.Fprintf(a.Out, "%s / %s\n", zh, en)
}

// line reads one answer. The last line of a script may lack its newline.
func (a *Asker) line() (string, error) {
	s, err := a.in.ReadString('\n')
	if err != nil && (s == "" || !errors.Is(err, io.EOF)) {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

func check(q Question, answer string) error {
	if answer == "" {
		return errors.New("必须填写 / an answer is required")
	}
	if q.Check == nil {
		return nil
	}
	return q.Check(answer)
}
