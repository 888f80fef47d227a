package survey

import (
	"bytes"
	"context"
	"slices"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/storage"
)

// The organization's roll-up: every team a facilitator may see, each by its latest
// closed round, side by side, with the organization's figures over them. An admin sees
// every team; anyone else the teams whose rounds they own and the ones shared with them
// (as a co-facilitator or a viewer: reading is enough). The counts come from the
// database in a few statements whatever the number of teams (storage.Rollup), and each
// team's figures from package reports exactly as its own report makes them.

// Rollup is the roll-up as every view shows it.
type Rollup struct {
	*reports.Rollup
	// Unit is the unit the roll-up was narrowed to; nil for every team.
	Unit *string
	// Units are every unit of the teams the reader may see (the filter's choices).
	Units []string
	// Instrument is the current instrument: the themes' and pillars' words and order.
	Instrument *pillars.Instrument
}

// Rollup is actor's roll-up, of the teams of unit only when unit is set. A nil or
// deactivated actor sees no team.
func (s *Service) Rollup(ctx context.Context, actor *assessment.Facilitator, unit *string) (*Rollup, error) {
	if actor == nil || actor.DeactivatedAt != nil {
		return s.buildRollup(&storage.Rollup{}, unit)
	}
	return s.rollup(ctx, listedFor(actor), unit)
}

// RollupAt is the roll-up of every team, for the command line.
func (s *Service) RollupAt(ctx context.Context, unit *string) (*Rollup, error) {
	return s.rollup(ctx, nil, unit)
}

func (s *Service) rollup(ctx context.Context, viewer *int64, unit *string) (*Rollup, error) {
	counted, err := s.store.Rollup(ctx, viewer, unit, s.themeKeys())
	if err != nil {
		return nil, err
	}
	return s.buildRollup(counted, unit)
}

func (s *Service) buildRollup(counted *storage.Rollup, unit *string) (*Rollup, error) {
	teams := make([]reports.RollupInput, len(counted.Teams))
	for i := range counted.Teams {
		t := &counted.Teams[i]
		round, err := s.round(&t.Round)
		if err != nil {
			return nil, err
		}
		teams[i] = reports.RollupInput{Assessment: round.Assessment, Instrument: round.Instrument, Tallies: &t.Tallies, Named: t.Named}
	}
	in := s.catalog.Current()
	units := counted.Units
	if units == nil {
		units = []string{}
	}
	return &Rollup{Rollup: reports.BuildRollup(in, teams, counted.NotClosed), Unit: unit, Units: units, Instrument: in}, nil
}

// RollupWorkbook is actor's roll-up as an Excel workbook in lang, made whole in memory;
// the download is recorded in the activity trail.
func (s *Service) RollupWorkbook(ctx context.Context, actor *assessment.Facilitator, unit *string, lang locale.Lang) ([]byte, error) {
	r, err := s.Rollup(ctx, actor, unit)
	if err != nil {
		return nil, err
	}
	book, err := s.RollupXLSX(r, lang)
	if err != nil {
		return nil, err
	}
	detail := ""
	if unit != nil {
		detail = *unit
	}
	if err := audit(ctx, s.store, actor, assessment.AuditRollupExport, nil, detail); err != nil {
		return nil, err
	}
	return book, nil
}

// RollupXLSX writes a roll-up as an Excel workbook in lang.
func (s *Service) RollupXLSX(r *Rollup, lang locale.Lang) ([]byte, error) {
	var buf bytes.Buffer
	if err := reports.WriteRollupXLSX(&buf, r.Rollup, r.Instrument, r.Unit, s.words.In(lang), s.now()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// themeKeys lists the theme keys of every instrument version, each once: the themes a
// response may have tied a strength or an opportunity to.
func (s *Service) themeKeys() []string {
	var keys []string
	for _, v := range s.catalog.Versions() {
		in, _ := s.catalog.Version(v)
		for _, th := range in.Themes {
			if !slices.Contains(keys, th.Key) {
				keys = append(keys, th.Key)
			}
		}
	}
	return keys
}
