package console

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// named gives the lane's console the display names and the voice, as the
// unit passes them from its config.
func named(c *Console) *Console {
	c.opts.SiteName, c.opts.UnitName, c.opts.Voice = "阳光花园小区", "北门", true
	return c
}

func TestStateCarriesTheDisplayNamesAndTheVoiceSetting(t *testing.T) {
	c, _ := newWorkingLane(t)
	var got struct {
		Site     string `json:"site"`
		SiteName string `json:"site_name"`
		UnitName string `json:"unit_name"`
		Voice    bool   `json:"voice"`
	}
	state := func() {
		w := httptest.NewRecorder()
		c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/api/state", nil))
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("state %s: %v", w.Body, err)
		}
	}
	state()
	if got.SiteName != "" || got.UnitName != "" || got.Voice || got.Site != "sunshine-garden" {
		t.Fatalf("without names: %+v, want the ids only and no voice", got)
	}
	named(c)
	state()
	if got.SiteName != "阳光花园小区" || got.UnitName != "北门" || !got.Voice {
		t.Fatalf("with names: %+v", got)
	}
}

// The page's spoken prompts: one clip per decision, served as WAV.
func TestEveryDecisionHasAVoiceClipServedAsWAV(t *testing.T) {
	c, _ := newWorkingLane(t)
	for _, d := range []wire.Decision{wire.Allow, wire.Recheck, wire.Register, wire.Wait, wire.Deny, wire.Refer, wire.PersuadeReturn} {
		w := httptest.NewRecorder()
		c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/static/voice/"+string(d)+".wav", nil))
		b := w.Body.Bytes()
		if w.Code != 200 || w.Header().Get("Content-Type") != "audio/wav" || len(b) < 44 ||
			string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
			t.Errorf("%s: %d %q, %d bytes starting %q", d, w.Code, w.Header().Get("Content-Type"), len(b), b[:min(len(b), 12)])
		}
	}
	for _, bad := range []string{"make-clips.sh", "README.md", "nothing.wav", "..%2Fconsole.html", "%2E%2E%2Fvoice%2Fallow.wav"} {
		w := httptest.NewRecorder()
		c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/static/voice/"+bad, nil))
		if w.Code != 404 {
			t.Errorf("/static/voice/%s: %d, want 404", bad, w.Code)
		}
	}
}

func TestThePageLoadsTheSoundScriptBeforeItsOwn(t *testing.T) {
	c, _ := newWorkingLane(t)
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	page := w.Body.String()
	s, own := strings.Index(page, `src="static/sound.js"`), strings.Index(page, `src="static/console.js"`)
	if s < 0 || own < 0 || s > own {
		t.Fatalf("sound.js at %d, console.js at %d: sound.js must load first, so kakouSound exists for the first render", s, own)
	}
	w = httptest.NewRecorder()
	c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/static/sound.js", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "window.kakouSound = function") {
		t.Fatalf("sound.js: %d", w.Code)
	}
}
