package storage

import (
	"context"

	"github.com/ecat-project/ecat/assessment"
)

// Tallies counts an assessment's submitted responses in the database: responses per
// pillar and answers per pillar, item and value, with GROUP BY, so a report over ten
// thousand responses never loads them one by one. The free texts (strengths,
// opportunities, reflections) come back verbatim, since the report quotes them; texts of
// groups too small to show are dropped by the report, never displayed.
func (s *Store) Tallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	db := s.db.WithContext(ctx)
	submitted := string(assessment.Submitted)
	t := &assessment.Tallies{Submitted: map[string]int{}}

	var perPillar []struct {
		Pillar string
		N      int
	}
	err := db.Model(&responseRow{}).Select("pillar, COUNT(*) AS n").
		Where("assessment_id = ? AND status = ?", assessmentID, submitted).
		Group("pillar").Scan(&perPillar).Error
	if err != nil {
		return nil, err
	}
	for _, p := range perPillar {
		t.Submitted[p.Pillar] = p.N
	}

	var items []struct {
		Pillar string
		ItemID string
		Value  string
		N      int
	}
	err = db.Table("answers AS a").
		Select("r.pillar AS pillar, a.item_id AS item_id, a.value AS value, COUNT(*) AS n").
		Joins("JOIN responses AS r ON r.id = a.response_id").
		Where("r.assessment_id = ? AND r.status = ?", assessmentID, submitted).
		Group("r.pillar, a.item_id, a.value").
		Order("r.pillar, a.item_id, a.value").
		Scan(&items).Error
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		t.Items = append(t.Items, assessment.ItemCount{Pillar: it.Pillar, ItemID: it.ItemID, Answer: assessment.Answer(it.Value), N: it.N})
	}

	var named []struct {
		Pillar           string
		StrengthText     string
		StrengthTheme    string
		OpportunityText  string
		OpportunityTheme string
	}
	err = db.Model(&responseRow{}).
		Select("pillar, strength_text, strength_theme, opportunity_text, opportunity_theme").
		Where("assessment_id = ? AND status = ?", assessmentID, submitted).
		Order("id").Scan(&named).Error
	if err != nil {
		return nil, err
	}
	for _, n := range named {
		if n.StrengthText != "" {
			t.Named = append(t.Named, assessment.NamedText{Pillar: n.Pillar, Kind: assessment.KindStrength, Theme: n.StrengthTheme, Text: n.StrengthText})
		}
		if n.OpportunityText != "" {
			t.Named = append(t.Named, assessment.NamedText{Pillar: n.Pillar, Kind: assessment.KindOpportunity, Theme: n.OpportunityTheme, Text: n.OpportunityText})
		}
	}

	var reflections []struct {
		Pillar   string
		PromptID string
		Text     string
	}
	err = db.Table("reflections AS f").
		Select("r.pillar AS pillar, f.prompt_id AS prompt_id, f.text AS text").
		Joins("JOIN responses AS r ON r.id = f.response_id").
		Where("r.assessment_id = ? AND r.status = ?", assessmentID, submitted).
		Order("f.prompt_id, r.id").Scan(&reflections).Error
	if err != nil {
		return nil, err
	}
	for _, f := range reflections {
		t.Reflections = append(t.Reflections, assessment.ReflectionText{Pillar: f.Pillar, PromptID: f.PromptID, Text: f.Text})
	}
	return t, nil
}
