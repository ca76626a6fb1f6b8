package api

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDashboardIntegrationShowsTheRollCallOfTheDistrict: Wujin's monitor
// sees site-a's round with 2 of 3 checked, the one unchecked by masked
// name and class, and the fever at roll call; nothing of site-b, which
// is outside the district; the English toggle says it in English.
func TestDashboardIntegrationShowsTheRollCallOfTheDistrict(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := staffFixture(t)
	logIn(t, ctx, f.authFixture, "district")
	line := `#rollcall-sites li[data-site="site-a"]`
	do(t, ctx, "open the roll call", chromedp.Navigate(f.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(line)))
	got := value(t, ctx, "read site-a's roll call", chromedp.Text(chromedp.CSS(line)))
	for _, want := range []string{"晨检：已检 2 / 3", "未检 1: 张**（site-a班）", "体温异常: 张** 38.1 °C"} {
		if !strings.Contains(got, want) {
			t.Errorf("roll call line %q lacks %q", got, want)
		}
	}
	all := value(t, ctx, "read the section", chromedp.Text(chromedp.CSS("#rollcall-sites")))
	if strings.Contains(all, "site-b") || strings.Contains(all, "溧阳") {
		t.Errorf("site-b, outside Wujin, shown: %q", all)
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.querySelector('#rollcall-sites li[data-site="site-a"]').textContent.includes("checked 2 of 3")`))
}
