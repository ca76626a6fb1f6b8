package console

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// fieldProblem is what is wrong with one field of a form and what to do,
// in both of the console's languages, so the page shows it next to the
// field in the language the guard chose.
type fieldProblem struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

func problem(zh, en string) *fieldProblem { return &fieldProblem{ZH: zh, EN: en} }

// formError is a form refused field by field. The console answers it
// with 400 {"error": "<summary in Chinese>", "fields": {"phone": {"zh":
// …, "en": …}, …}}: a page that knows only "error" still shows what to fix.
type formError struct {
	order  []string // the fields in the form's order, for the summary
	fields map[string]*fieldProblem
	labels map[string]string // a field's name on the form, in Chinese
}

func newFormError(labels map[string]string) *formError {
	return &formError{fields: map[string]*fieldProblem{}, labels: labels}
}

// add records p against field; the first problem found for a field wins.
func (e *formError) add(field string, p *fieldProblem) {
	if p == nil || e.fields[field] != nil {
		return
	}
	e.order = append(e.order, field)
	e.fields[field] = p
}

// err is e, or nil when no field had a problem.
func (e *formError) err() error {
	if len(e.fields) == 0 {
		return nil
	}
	return e
}

func (e *formError) Error() string {
	parts := make([]string, len(e.order))
	for i, f := range e.order {
		label := e.labels[f]
		if label == "" {
			label = f
		}
		parts[i] = label + "：" + e.fields[f].ZH
	}
	return "请改正：" + strings.Join(parts, "；")
}

// errorBody is the JSON of a refused request: the error, and with a
// formError each field's problem.
func errorBody(err error) any {
	var fe *formError
	if errors.As(err, &fe) {
		return struct {
			Error  string                   `json:"error"`
			Fields map[string]*fieldProblem `json:"fields"`
		}{fe.Error(), fe.fields}
	}
	return map[string]string{"error": err.Error()}
}

// textProblem checks a free-text field: at least min characters besides
// spaces, at most max, and nothing that does not display as one line
// (control, format and line-separator characters would corrupt the
// guard's screen, the logs and exports). U+3000, the space Chinese input
// methods type, is allowed.
func textProblem(v string, min, max int) *fieldProblem {
	if !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsGraphic(r) }) >= 0 {
		return problem("只能填写文字，不能含控制字符或换行", "plain text only: no control characters or line breaks")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return problem(fmt.Sprintf("最多 %d 个字（现有 %d 个）", max, n), fmt.Sprintf("at most %d characters (%d typed)", max, n))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(v)); n < min {
		if min == 1 {
			return problem("必填", "required")
		}
		return problem(fmt.Sprintf("至少 %d 个字", min), fmt.Sprintf("at least %d characters", min))
	}
	return nil
}

// text is textProblem for handlers that answer a plain error: key and the
// English text.
func text(key, v string, min, max int) error {
	if p := textProblem(v, min, max); p != nil {
		return fmt.Errorf("%s: %s", key, p.EN)
	}
	return nil
}

// maxReason is the longest override reason: one line on the audit page.
const maxReason = 120

// reasonProblem checks a guard's reason (an override, a visitor without
// ID): plain text that says something. One or two Chinese characters do
// (急诊, 送药); in other scripts three letters at least, since "ok" or a
// row of dots explains nothing to an auditor.
func reasonProblem(v string) *fieldProblem { return reasonWithin(v, maxReason) }

func reasonWithin(v string, max int) *fieldProblem {
	if p := textProblem(v, 1, max); p != nil {
		return p
	}
	han, letters := 0, 0
	for _, r := range v {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsLetter(r):
			letters++
		}
	}
	if han == 0 && letters < 3 {
		return problem("请写明原因，如“急诊”“送药”", `say why in a word or two, e.g. 急诊 (emergency) or "delivering medicine"`)
	}
	return nil
}

// compact is how a number is typed into a form, made comparable: full-width
// digits and letters (as a Chinese input method types them) made ASCII,
// letters upper-case, spaces, dashes and dots dropped.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || r == '-' || r == '.' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// allDigits reports whether s is non-empty ASCII digits.
func allDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}
