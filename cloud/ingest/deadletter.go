package ingest

import (
	"context"

	"github.com/kakou/kakou/cloud/store"
)

// putDeadLetter keeps a rejected message in the store's dead-letter table
// before the writer acknowledges it, like any other message: once the
// broker has its PUBACK the table is the only copy, and what a hostile or
// broken client sent is evidence an operator needs (SECURITY.md "Hostile input"). A store that
// fails is retried as for entries; the payload is clipped by the store.
// It reports false only when Stop was called.
func (in *Ingest) putDeadLetter(ctx context.Context, it incoming) bool {
	d := store.DeadLetter{Topic: it.m.Topic(), Payload: it.m.Payload(), Size: len(it.m.Payload()),
		Error: errText(it.err), ReceivedAt: it.receivedAt}
	ok := in.untilDone(ctx, func(ctx context.Context) error { return in.store.PutDeadLetter(ctx, d) })
	if ok {
		in.opts.Observer.DeadLettered()
	}
	return ok
}

func errText(err error) string {
	if err == nil {
		return "rejected"
	}
	return err.Error()
}
