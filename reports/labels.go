package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ecat-project/ecat/pillars"
)

// translation is one user-visible workbook label in every supported language.
type translation struct{ en, fr string }

// workbookLabels is every label the Excel workbook shows, keyed by name. It is built by
// a function rather than held in a package variable so nothing can change it; the
// instrument's own texts (pillars, items, themes, prompts) come from package pillars.
func workbookLabels() map[string]translation {
	return map[string]translation{
		// Sheet names: at most 31 characters, none of []:*?/\ (Excel's rules).
		"sheet.summary":                 {"Summary", "Résumé"},
		"sheet.pillar.leadership":       {"Leadership", "Leadership"},
		"sheet.pillar.staff":            {"Staff and teams", "Personnel et équipes"},
		"sheet.pillar.patient_partners": {"Patient partners", "Patients partenaires"},
		"sheet.themes":                  {"Themes", "Thèmes"},
		"sheet.trend":                   {"Trend", "Évolution"},
		"sheet.named":                   {"Strengths & opportunities", "Forces et possibilités"},
		"sheet.reflections":             {"Reflections", "Réflexions"},
		"sheet.guide":                   {"Discussion guide", "Guide de discussion"},
		"sheet.actions":                 {"Action plan", "Plan d'action"},

		// Document properties and page footer (&A sheet name, &P page, &N pages).
		"doc.title":    {"Team report: %s", "Rapport d'équipe : %s"},
		"doc.subject":  {"%s, round %d", "%s, ronde %d"},
		"doc.keywords": {"engagement-capable environment; self-assessment; team report", "environnement propice à l'engagement; autoévaluation; rapport d'équipe"},
		"footer":       {"&L&A&RPage &P of &N", "&L&A&RPage &P de &N"},

		// Answers and bands.
		"answer.yes":         {"Yes", "Oui"},
		"answer.somewhat":    {"Somewhat", "En partie"},
		"answer.no":          {"No", "Non"},
		"answer.unknown":     {"Unknown", "Je ne sais pas"},
		"answer.unanswered":  {"No answer", "Sans réponse"},
		"band.strength":      {"Strength", "Force"},
		"band.developing":    {"Developing", "En développement"},
		"band.opportunity":   {"Opportunity", "À améliorer"},
		"legend.strength":    {"Strength: 75 or more", "Force : 75 ou plus"},
		"legend.developing":  {"Developing: 50 to 74", "En développement : de 50 à 74"},
		"legend.opportunity": {"Opportunity: below 50", "À améliorer : moins de 50"},

		// Shared words and column headers.
		"none":             {"None.", "Aucun."},
		"no_theme":         {"No theme", "Aucun thème"},
		"list.sep":         {", ", ", "},
		"pillar_count":     {"%s (%d)", "%s (%d)"},
		"pct":              {"%s (%%)", "%s (%%)"},
		"col.pillar":       {"Pillar", "Pilier"},
		"col.responses":    {"Submitted responses", "Réponses soumises"},
		"col.in_report":    {"In this report", "Dans ce rapport"},
		"col.id":           {"No.", "No"},
		"col.statement":    {"Statement", "Énoncé"},
		"col.section":      {"Section", "Section"},
		"col.theme":        {"Theme", "Thème"},
		"col.score":        {"Score", "Score"},
		"col.band":         {"Band", "Niveau"},
		"col.times_named":  {"Times named", "Nombre de mentions"},
		"col.team":         {"Team", "Équipe"},
		"col.gap":          {"Gap (points)", "Écart (points)"},
		"col.gap_between":  {"Widest gap between", "Plus grand écart entre"},
		"col.points":       {"Points", "Points"},
		"col.kind":         {"Kind", "Type"},
		"col.text":         {"In their words", "Dans leurs mots"},
		"col.reflection":   {"Reflection", "Réflexion"},
		"col.step":         {"Step", "Étape"},
		"col.discuss":      {"What to cover", "Contenu"},
		"col.notes":        {"Notes", "Notes"},
		"col.action":       {"Action", "Action"},
		"col.pillar_theme": {"Pillar / theme", "Pilier / thème"},
		"col.lead":         {"Lead", "Responsable"},
		"col.support":      {"Support needed", "Soutien nécessaire"},
		"col.due":          {"Due date", "Échéance"},
		"col.status":       {"Status", "État"},
		"col.round":        {"Round", "Ronde"},
		"col.date":         {"Date", "Date"},

		// Summary.
		"summary.heading":        {"Team report", "Rapport d'équipe"},
		"summary.assessment":     {"Assessment", "Autoévaluation"},
		"summary.team":           {"Team", "Équipe"},
		"summary.round":          {"Round", "Ronde"},
		"summary.date":           {"Report date", "Date du rapport"},
		"summary.instrument":     {"Checklist version", "Version de la liste de vérification"},
		"summary.responses":      {"Responses per pillar", "Réponses par pilier"},
		"summary.shown":          {"Shown", "Présenté"},
		"summary.withheld_group": {"Withheld: fewer than %d responses", "Masqué : moins de %d réponses"},
		"summary.team_total":     {"Team (groups shown)", "Équipe (groupes présentés)"},
		"summary.threshold": {
			"Anonymity threshold: %d. A pillar group's figures and texts appear only once at least this many of its members have submitted their answers.",
			"Seuil d'anonymat : %d. Les chiffres et les textes d'un groupe n'apparaissent qu'une fois que ce nombre de ses membres ont soumis leurs réponses.",
		},
		"summary.withheld": {
			"Withheld to protect anonymity: %s. Fewer than %d responses were submitted in each of these groups, so none of their answers or texts appear in this workbook, and the team figures leave them out.",
			"Masqué pour protéger l'anonymat : %s. Moins de %d réponses ont été soumises dans chacun de ces groupes : aucune de leurs réponses ni aucun de leurs textes ne figurent dans ce classeur, et les résultats d'équipe les excluent.",
		},
		"summary.none_withheld": {"Every pillar group reached the threshold.", "Tous les groupes ont atteint le seuil."},
		"summary.moved": {
			"What moved since round %d, and the actions agreed then: see the %s sheet.",
			"Ce qui a changé depuis la ronde %d, et les actions convenues alors : voir la feuille %s.",
		},
		"summary.trend":             {"Scores across the team's %d rounds: see the %s sheet.", "Les scores des %d rondes de l'équipe : voir la feuille %s."},
		"summary.top_strengths":     {"Strengths named most often", "Forces les plus souvent nommées"},
		"summary.top_opportunities": {"Opportunities named most often", "Possibilités d'amélioration les plus souvent nommées"},
		"summary.highest":           {"Highest scoring themes", "Thèmes les mieux notés"},
		"summary.lowest":            {"Lowest scoring themes", "Thèmes les moins bien notés"},
		"summary.how_to_read":       {"How to read the figures", "Comment lire les chiffres"},
		"indicative": {
			"These figures are indicative: the self-assessment is a reflection tool, not a test.",
			"Ces chiffres sont indicatifs : l'autoévaluation est un outil de réflexion, pas un examen.",
		},
		"read.score": {
			"Score: 0 to 100 over the people who answered Yes (counts 1), Somewhat (½) or No (0). Unknown is left out of the score and shown on its own.",
			"Score : de 0 à 100 parmi les personnes qui ont répondu Oui (compte 1), En partie (½) ou Non (0). Je ne sais pas est exclu du score et présenté à part.",
		},
		"read.bands": {
			"Bands: strength at 75 or more (green), developing from 50 to 74 (amber), opportunity below 50 (red). Themes and sections score the mean of their statements.",
			"Niveaux : force à 75 ou plus (vert), en développement de 50 à 74 (ambre), à améliorer sous 50 (rouge). Le score d'un thème ou d'une section est la moyenne de ses énoncés.",
		},
		"read.percent": {
			"Percentages are shares of everyone in the group who submitted, whether they answered the statement or not; they add up to 100 for each statement.",
			"Les pourcentages portent sur toutes les personnes du groupe qui ont soumis leurs réponses, qu'elles aient répondu à l'énoncé ou non; ils totalisent 100 pour chaque énoncé.",
		},
		"read.unknown": {
			"Many Unknown answers are a sign that something is not visible to people in that role, not that it is missing.",
			"Beaucoup de « Je ne sais pas » signalent que quelque chose n'est pas visible pour les personnes dans ce rôle, pas qu'il est absent.",
		},
		"read.gaps": {
			"A perception gap is a theme whose scores differ by 25 points or more between two pillars. Contrasting experiences are statements where at least a quarter answered Yes and at least a quarter answered No within one group.",
			"Un écart de perception est un thème dont les scores diffèrent d'au moins 25 points entre deux piliers. Les expériences contrastées sont des énoncés où au moins le quart a répondu Oui et au moins le quart a répondu Non dans un même groupe.",
		},

		// Pillar sheets.
		"pillar.heading":  {"%s: %d submitted responses", "%s : %d réponses soumises"},
		"pillar.sections": {"Sections", "Sections"},
		"pillar.themes":   {"Themes", "Thèmes"},
		"chart.title":     {"Answers per statement", "Réponses par énoncé"},

		// Themes sheet.
		"themes.heading": {"Themes across the pillars", "Thèmes selon les piliers"},
		"themes.hint": {
			"Each cell is a theme's score for one pillar. The gap column shows the widest difference between two pillars when it reaches 25 points.",
			"Chaque case est le score d'un thème pour un pilier. La colonne Écart montre la plus grande différence entre deux piliers lorsqu'elle atteint 25 points.",
		},
		"themes.gaps": {"Perception gaps", "Écarts de perception"},
		"gap.between": {"%s and %s", "%s et %s"},

		// Trend sheet: what moved since the previous round, and the trend across rounds.
		"trend.heading":      {"Over time: what moved, and the trend across rounds", "Au fil du temps : ce qui a changé, et l'évolution d'une ronde à l'autre"},
		"trend.round":        {"Round %d", "Ronde %d"},
		"trend.team_heading": {"Team theme scores over %d rounds", "Scores d'équipe par thème sur %d rondes"},
		"trend.groups_shown": {"Groups shown", "Groupes présentés"},
		"trend.note": {
			"Each round's team scores are that round's own, over the pillar groups shown in it (last column): when the groups shown change, the team scores move with them. The pillar tables below compare like with like. A group withheld in a round has no figures for that round.",
			"Les scores d'équipe de chaque ronde sont ceux de cette ronde, sur les groupes présentés à cette ronde (dernière colonne) : quand les groupes présentés changent, les scores d'équipe changent aussi. Les tableaux par pilier ci-dessous comparent des groupes semblables. Un groupe masqué à une ronde n'a aucun chiffre pour cette ronde.",
		},
		"trend.not_in_round":  {"Not in this round's checklist", "Absent de la liste de vérification de cette ronde"},
		"trend.chart":         {"Team theme scores across rounds", "Scores d'équipe par thème, d'une ronde à l'autre"},
		"moved.heading":       {"What moved since round %d", "Ce qui a changé depuis la ronde %d"},
		"moved.this_round":    {"This round", "Cette ronde"},
		"moved.change":        {"Change (points)", "Variation (points)"},
		"moved.pillar_change": {"%s: change", "%s : variation"},
		"moved.team_over": {
			"Team scores over the groups shown in both rounds only: %s.",
			"Scores d'équipe sur les seuls groupes présentés aux deux rondes : %s.",
		},
		"moved.no_common": {
			"No pillar group was shown in both rounds, so the team scores cannot be compared.",
			"Aucun groupe n'a été présenté aux deux rondes : les scores d'équipe ne peuvent pas être comparés.",
		},
		"moved.left_out": {
			"Left out of the comparison, as they were withheld in one of the two rounds to protect anonymity: %s.",
			"Exclus de la comparaison, car masqués à l'une des deux rondes pour protéger l'anonymat : %s.",
		},
		"moved.compared": {"Compared", "Comparé"},
		"moved.yes":      {"Yes", "Oui"},
		"moved.no":       {"No: withheld in one of the two rounds", "Non : masqué à l'une des deux rondes"},
		"moved.withheld": {"Withheld", "Masqué"},
		"moved.actions":  {"Actions agreed in round %d, as they stand now", "Actions convenues à la ronde %d, où elles en sont"},

		// Strengths & opportunities sheet.
		"named.heading": {"Strengths and opportunities, in the team's words", "Forces et possibilités d'amélioration, dans les mots de l'équipe"},
		"named.hint": {
			"Grouped by theme, most named first, then by pillar. The texts are exactly as written.",
			"Regroupées par thème, les plus nommés d'abord, puis par pilier. Les textes sont tels qu'ils ont été écrits.",
		},
		"kind.strength":    {"Key strength", "Force clé"},
		"kind.opportunity": {"Opportunity", "Possibilité d'amélioration"},

		// Reflections sheet.
		"reflections.heading": {"Reflections, grouped by question", "Réflexions, regroupées par question"},

		// Discussion guide (the agenda of INSTRUMENT.md, "The team discussion").
		"guide.heading": {"Team discussion guide (about 20 minutes)", "Guide de la discussion d'équipe (environ 20 minutes)"},
		"guide.step1":   {"1. Framing (2 min)", "1. Mise en contexte (2 min)"},
		"guide.framing": {
			"What the figures are: a picture of how each group sees engagement today, to start the conversation. What they are not: a test, a ranking or a judgement of anyone's work.",
			"Ce que sont les chiffres : un portrait de la façon dont chaque groupe voit l'engagement aujourd'hui, pour lancer la conversation. Ce qu'ils ne sont pas : un examen, un classement ou un jugement sur le travail de quiconque.",
		},
		"guide.responses": {"Included: %s, %d responses in all.", "Inclus : %s, %d réponses en tout."},
		"guide.withheld": {
			"Not shown, to protect anonymity: %s (fewer than %d responses each).",
			"Non présentés, pour protéger l'anonymat : %s (moins de %d réponses chacun).",
		},
		"guide.step2": {"2. Round of insights (6–8 min)", "2. Tour de table (6 à 8 min)"},
		"guide.insights": {
			"Each member shares one insight from their own reflection. Go around once before discussing.",
			"Chaque membre partage une idée tirée de sa propre réflexion. Faites un tour complet avant de discuter.",
		},
		"guide.reflections": {
			"The team wrote %d reflections: the %s sheet has them, grouped by question, to help start the round.",
			"L'équipe a écrit %d réflexions : la feuille %s les regroupe par question, pour aider à lancer le tour.",
		},
		"guide.step3":                {"3. Strengths and opportunities (5 min)", "3. Forces et possibilités (5 min)"},
		"guide.top_strength":         {"%s, top strength: %s", "%s, force principale : %s"},
		"guide.top_opportunity":      {"%s, top opportunity: %s", "%s, possibilité principale : %s"},
		"guide.scored":               {"%s (score %s)", "%s (score %s)"},
		"guide.named_most":           {"most named: %s", "le plus nommé : %s"},
		"guide.common_strengths":     {"Strengths named most often across the team: %s", "Forces les plus souvent nommées dans l'équipe : %s"},
		"guide.common_opportunities": {"Opportunities named most often across the team: %s", "Possibilités les plus souvent nommées dans l'équipe : %s"},
		"guide.contrasts":            {"Contrasting experiences (a group split between Yes and No):", "Expériences contrastées (un groupe partagé entre Oui et Non) :"},
		"guide.contrast_line":        {"%s, %s %s — Yes %d %%, No %d %%", "%s, %s %s — Oui %d %%, Non %d %%"},
		"guide.gaps":                 {"Biggest gaps between pillars:", "Plus grands écarts entre les piliers :"},
		"guide.gap_line":             {"%s: %s %s, %s %s (%s points)", "%s : %s %s, %s %s (%s points)"},
		"guide.unknowns":             {"Where many answered Unknown:", "Là où beaucoup ont répondu Je ne sais pas :"},
		"guide.unknown_line":         {"%s, %s %s — %d %% Unknown", "%s, %s %s — %d %% Je ne sais pas"},
		"guide.more":                 {"… and %d more.", "… et %d autres."},
		"guide.step4":                {"4. Decide (5 min)", "4. Décider (5 min)"},
		"guide.decide": {
			"Agree on at least one concrete action: what will be done, who leads it, what support it needs and when the team looks at it again. Write it on the %s sheet.",
			"Convenez d'au moins une action concrète : ce qui sera fait, qui la mène, le soutien nécessaire et le moment où l'équipe y reviendra. Inscrivez-la dans la feuille %s.",
		},
		"guide.focus": {"Themes to consider first (lowest scores): %s", "Thèmes à considérer d'abord (scores les plus bas) : %s"},

		// Action plan.
		"actions.heading": {"Action plan", "Plan d'action"},
		"actions.note": {
			"At least one concrete action, with a lead and the support it needs. Choose a status from the list.",
			"Au moins une action concrète, avec une personne responsable et le soutien nécessaire. Choisissez un état dans la liste.",
		},
		"actions.status_error": {"Choose one of the statuses in the list.", "Choisissez un des états de la liste."},
		"status.planned":       {"planned", "prévue"},
		"status.in_progress":   {"in progress", "en cours"},
		"status.done":          {"done", "terminée"},
		"status.dropped":       {"dropped", "abandonnée"},
	}
}

// labeler looks labels up in one language.
type labeler struct {
	lang  pillars.Lang
	table map[string]translation
}

func newLabeler(lang pillars.Lang) labeler {
	if lang != pillars.French {
		lang = pillars.English
	}
	return labeler{lang: lang, table: workbookLabels()}
}

// T returns the label named key. An unknown key comes back as itself, so a missing
// label shows up in the workbook instead of failing the export; TestLabelsUsedExist
// keeps that from happening.
func (l labeler) T(key string) string {
	tr, ok := l.table[key]
	if !ok {
		return key
	}
	if l.lang == pillars.French {
		return tr.fr
	}
	return tr.en
}

// F formats the label named key with args.
func (l labeler) F(key string, args ...any) string { return fmt.Sprintf(l.T(key), args...) }

// Num writes a score with one decimal, with the language's decimal mark.
func (l labeler) Num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if l.lang == pillars.French {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Whole writes a number of points without decimals.
func (l labeler) Whole(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

// List joins items with the language's separator, or says none.
func (l labeler) List(items []string) string {
	if len(items) == 0 {
		return l.T("none")
	}
	return strings.Join(items, l.T("list.sep"))
}
