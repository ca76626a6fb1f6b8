package console

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/wire"
)

// TestConsoleIntegrationChromiumLogsADutyAndHandsOverTheShift drives the
// guard's page in headless chromium at 12:30: the noon gate disinfection
// is reminded; the guard logs it and the page shows it done with their
// name. The hand-over sheet lists the visitor still inside (name masked)
// and the re-check nobody took, and handing over records the sheet.
func TestConsoleIntegrationChromiumLogsADutyAndHandsOverTheShift(t *testing.T) {
	browser := chromium(t)
	c, lb, clk := newDutyConsole(t, 12, 30)
	c.SetRoster(testRoster(t, 1))
	handOverLedger(t, lb, clk)
	listen(t, c)
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	gate := `#duty-due button[data-duty="gate-disinfection"]`
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS(gate)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if due := text("#duty-due"); !strings.Contains(due, "到期提醒") || !strings.Contains(due, "大门消毒 12:00") {
		t.Fatalf("reminder: %q", due)
	}
	if staffing := text("#duty-staffing"); !strings.Contains(staffing, "需 2 人") {
		t.Fatalf("双岗: %q", staffing)
	}
	noon := `#duty-turns li[data-duty="gate-disinfection"][data-state="done"]`
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#duty-note"), "84消毒液"),
		chromedp.Click(chromedp.CSS(gate)),
		chromedp.WaitVisible(chromedp.CSS(noon)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if done := text(noon); !strings.Contains(done, "12:00") || !strings.Contains(done, "王师傅") {
		t.Fatalf("logged turn: %q", done)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#ho-preview")),
		chromedp.WaitVisible(chromedp.CSS("#ho-inside li")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if inside, open := text("#ho-inside"), text("#ho-open"); !strings.Contains(inside, "张**") ||
		strings.Contains(inside, "张三丰") || !strings.Contains(open, "复测") || !strings.Contains(open, "recheck-1") {
		t.Fatalf("sheet: inside %q, open %q", inside, open)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#ho-incoming"), "g-08"),
		chromedp.SendKeys(chromedp.CSS("#ho-incoming-name"), "李师傅"),
		chromedp.Click(chromedp.CSS("#ho-submit")),
		chromedp.WaitVisible(chromedp.CSS("#ho-sheet h3")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#ho-sheet h3").textContent.includes("交接已记录")`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if sheet := text("#ho-sheet"); !strings.Contains(sheet, "接班：李师傅") || !strings.Contains(sheet, "交班：王师傅") {
		t.Fatalf("recorded sheet: %q", sheet)
	}
	es, _ := lb.Entries(context.Background(), 0, 20)
	var kinds []wire.RecordKind
	for _, e := range es {
		if e.Record != nil {
			kinds = append(kinds, e.Record.Kind)
		}
	}
	want := []wire.RecordKind{wire.RecordSignIn, wire.RecordDuty, wire.RecordShift}
	if !slices.Equal(kinds, want) {
		t.Fatalf("records in the ledger: %v; want %v", kinds, want)
	}
}
