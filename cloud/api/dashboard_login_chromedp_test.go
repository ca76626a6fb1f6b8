package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kakou/kakou/internal/testenv"
)

// logIn opens the dashboard, is sent to the login page, and logs in as
// user through its form, as an official would; the dashboard then shows
// the logout button.
func logIn(t *testing.T, ctx context.Context, f *authFixture, user string) {
	t.Helper()
	do(t, ctx, "log in as "+user, chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#user"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), "pw-"+user),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#logout")))
}

// TestDashboardIntegrationLoginShowsWhoAndLogsOut: a wrong password is
// said in Chinese on the page, and in English after the switch; the right
// one opens the dashboard, which says who is logged in with which role;
// the logout button ends the session and the dashboard asks for a login
// again.
func TestDashboardIntegrationLoginShowsWhoAndLogsOut(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newAuthFixture(t)
	do(t, ctx, "try a wrong password", chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#user"), "manager"),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong"),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#login-error")))
	if msg := value(t, ctx, "read the error", chromedp.Text(chromedp.CSS("#login-error"))); msg != "用户名或密码错误" {
		t.Errorf("wrong password says %q", msg)
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.getElementById("login-submit").textContent === "Log in"`))

	logIn(t, ctx, f, "manager")
	who := value(t, ctx, "read who is logged in", chromedp.Text(chromedp.CSS("#who")))
	if !strings.Contains(who, "manager") || !strings.Contains(who, "site manager") || !strings.Contains(who, "site-a") {
		t.Errorf("the header says %q, want the user, role and site", who)
	}
	// The button is clicked through the page rather than at its
	// coordinates: the dashboard keeps drawing its sections as data comes
	// in, and on a loaded machine a click aimed at where the button was a
	// moment ago can land on whatever moved there.
	do(t, ctx, "log out", chromedp.WaitVisible(chromedp.CSS("#logout")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("logout").click()`))
	awaitLoginPage(t, ctx)
	do(t, ctx, "open the dashboard again", chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if audit := f.audited(t); audit[len(audit)-1].Action != "logout" {
		t.Errorf("the logout is not audited: %+v", audit)
	}
}

// awaitLoginPage waits for the page's own script to take the browser to
// the login page. A query started on the dashboard can be left waiting on
// a document the navigation threw away, so each look is a fresh, short
// question about where the browser is now.
func awaitLoginPage(t *testing.T, ctx context.Context) {
	t.Helper()
	testenv.Await(t, "the browser to reach the login page", 30*time.Second, func() bool {
		look, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		loc, err := chromedp.Run(look, chromedp.Location())
		return err == nil && strings.HasSuffix(loc, "/login")
	})
	do(t, ctx, "see the login form", chromedp.WaitVisible(chromedp.CSS("#login-form")))
}
