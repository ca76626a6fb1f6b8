package console

import (
	"errors"
	"net/http"

	"github.com/kakou/kakou/firmware/screening"
)

// errNotSignedIn: an action that must name its guard, with nobody signed in.
var errNotSignedIn = errors.New("sign in first: every override names the guard who made it")

// conflicts are the errors of an action on the wrong person, answered with
// 409 and a message for the guard in each of the console's languages.
var conflicts = []struct {
	err    error
	zh, en string
}{
	{screening.ErrNotOnScreen, "该记录已不在屏幕上，请对当前显示的人员操作", "that entry is no longer on screen; act on the one shown now"},
	{screening.ErrSettled, "该记录已处理过，请对当前显示的人员操作", "that entry was already handled; act on the one shown now"},
	{screening.ErrThermometerWorks, "测温仪已测得此人体温，不能手工录入；如确需更改，请用“人工处置”并写明原因", "the thermometer measured this person; to go by another reading, override with a reason"},
	{screening.ErrNoRecheck, "此人无需复测", "this person is not waiting for a re-check"},
}

// refusal is how the console says no, everywhere: "error" in Chinese,
// which the page shows by default, and "error_en" (a refused form adds
// "fields": fields.go).
type refusal struct {
	Error string `json:"error"`
	EN    string `json:"error_en"`
}

func refuse(w http.ResponseWriter, code int, zh, en string) {
	writeJSON(w, code, refusal{Error: zh, EN: en})
}

// writeError answers a failed action: 409 when it was about the wrong
// person or state, 401 when it needs a guard, 400 otherwise.
func writeError(w http.ResponseWriter, err error) {
	for _, c := range conflicts {
		if errors.Is(err, c.err) {
			refuse(w, http.StatusConflict, c.zh, c.en)
			return
		}
	}
	if errors.Is(err, errNotSignedIn) {
		refuse(w, http.StatusUnauthorized, "请先登录值守账号", err.Error())
		return
	}
	writeJSON(w, http.StatusBadRequest, errorBody(err))
}
