package console

import (
	"net/http"
	"path"
	"strings"
)

// voiceClip serves a spoken prompt (web/voice/<decision>.wav, made by
// web/voice/make-clips.sh) as audio/wav: the file server would guess the
// type from the system's tables or by sniffing, and a browser given
// anything else may refuse to decode it.
func voiceClip(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("clip")
	if !strings.HasSuffix(name, ".wav") || path.Base(name) != name {
		http.NotFound(w, r)
		return
	}
	b, err := web.ReadFile("web/voice/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	// The clips change only with the program.
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Write(b)
}
