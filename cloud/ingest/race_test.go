//go:build race

package ingest

func init() { raceDetector = true }
