package console

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/wire"
)

// TestConsoleIntegrationChromiumShowsTheVehicleItsPeopleAndItsResult: a
// vehicle lane under closed management. A camera on the LAN posts a
// plate; the page shows it in big type; the driver shows no pass and is
// turned back, and the page shows the driver's result and the vehicle's
// 劝返. The guard then types the next car's plate on the page.
func TestConsoleIntegrationChromiumShowsTheVehicleItsPeopleAndItsResult(t *testing.T) {
	browser := chromium(t)
	c, l := newVehicleLane(t)
	listen(t, c)
	ctx := browserContext(t, browser)
	text := reader(t, ctx)

	req, _ := http.NewRequest("POST", c.URL()+"api/anpr", strings.NewReader(`{"plate": "沪A·D1234 5", "colour": "green", "confidence": 97}`))
	req.Header.Set("Authorization", "Bearer "+cameraToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("camera post: %d", resp.StatusCode)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS("#vehicle-panel")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#veh-plate").textContent === "沪AD12345"`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if kind := text("#veh-kind"); !strings.Contains(kind, "待查验") || !strings.Contains(kind, "识别") {
		t.Fatalf("kind line %q, want 待查验 · 识别", kind)
	}
	if _, err := l.Screen(context.Background(), nil); err != nil { // the driver shows nothing
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.querySelector("#veh-result").textContent === "劝返"`),
		chromedp.WaitVisible(chromedp.CSS("#veh-occupants li.deny")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if occ := text("#veh-occupants"); !strings.Contains(occ, "司机") || !strings.Contains(occ, "外来车辆") {
		t.Fatalf("occupants %q, want the driver turned back with the vehicle", occ)
	}
	if kind := text("#veh-kind"); !strings.Contains(kind, "外来车辆") || !strings.Contains(kind, "已记录") {
		t.Fatalf("kind line %q", kind)
	}

	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#veh-input"), "京a 12345"),
		chromedp.Click(chromedp.CSS("#veh-enter")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#veh-plate").textContent === "京A12345"`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if v := l.Vehicle(); v == nil || v.Plate != "京A12345" || v.Source != wire.PlateByGuard {
		t.Fatalf("the lane's vehicle: %+v", v)
	}
}
