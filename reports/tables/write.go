package tables

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// WriteMarkdown writes tables as GitHub-flavoured Markdown, each under a
// "## Title" heading with its caption and notes.
func WriteMarkdown(w io.Writer, tables []*Table) error {
	var b strings.Builder
	for i, t := range tables {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "## %s\n\n", t.Title)
		if t.Caption != "" {
			fmt.Fprintf(&b, "%s\n\n", t.Caption)
		}
		b.WriteString("|")
		for _, c := range t.Columns {
			fmt.Fprintf(&b, " %s |", mdEscape(c.Title))
		}
		b.WriteString("\n|")
		for _, c := range t.Columns {
			if c.Numeric {
				b.WriteString("---:|")
			} else {
				b.WriteString("---|")
			}
		}
		b.WriteString("\n")
		for _, row := range t.Rows {
			b.WriteString("|")
			for _, c := range row {
				fmt.Fprintf(&b, " %s |", mdEscape(c.String()))
			}
			b.WriteString("\n")
		}
		for _, n := range t.Notes {
			fmt.Fprintf(&b, "\n- %s", n)
		}
		if len(t.Notes) > 0 {
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// WriteCSV writes one table as CSV with a header of column keys. Numbers
// are written unrounded (to 6 decimals) in the column's unit; a column
// whose cells carry a spread gets a KEY_std column after it. A numeric
// column holds numbers only: a missing value is empty, and a cell that
// says why there is none ("no baseline", "not comparable", "NaN") is
// empty too, its reason in a last "notes" column ("clip_paper_pct: no
// baseline").
func WriteCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	var head []string
	std := make([]bool, len(t.Columns))
	for j, c := range t.Columns {
		head = append(head, c.Key)
		if std[j] = t.HasStd(j); std[j] {
			head = append(head, c.Key+"_std")
		}
	}
	reasons := make([][]string, len(t.Rows))
	any := false
	for i, row := range t.Rows {
		for j, c := range row {
			if j < len(t.Columns) && t.Columns[j].Numeric && !c.Num && c.Text != "" && c.Text != TextMissing {
				reasons[i] = append(reasons[i], t.Columns[j].Key+": "+c.Text)
				any = true
			}
		}
	}
	if any {
		head = append(head, "notes")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for i, row := range t.Rows {
		var rec []string
		for j, c := range row {
			v := csvValue(c)
			if j < len(t.Columns) && t.Columns[j].Numeric && !c.Num {
				v = ""
			}
			rec = append(rec, v)
			if std[j] {
				if c.HasStd {
					rec = append(rec, raw(c.Std))
				} else {
					rec = append(rec, "")
				}
			}
		}
		if any {
			rec = append(rec, strings.Join(reasons[i], "; "))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(c Cell) string {
	switch {
	case c.Num:
		return raw(c.V)
	case c.Text == TextMissing:
		return ""
	}
	return c.Text
}

// WriteLaTeX writes tables as LaTeX table floats (booktabs rules) to
// \input into a paper: one float per table with caption and label, wide
// tables scaled to the line (\resizebox, graphicx) and, past 9 columns,
// spanning both columns of a two-column page (table*); the best value of
// each accuracy column among the evaluated models in bold.
func WriteLaTeX(w io.Writer, tables []*Table) error {
	var b strings.Builder
	b.WriteString("% evalclip tables; needs \\usepackage{booktabs,graphicx,siunitx}\n% and \\sisetup{detect-weight=true, separate-uncertainty=true}\n")
	for _, t := range tables {
		writeTeXTable(&b, t)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Figure is a figure for WriteLaTeXDocument: a PDF (or PNG) path relative
// to the document, its caption and label.
type Figure struct {
	Path, Caption, Label string
}

// WriteLaTeXDocument writes a complete, compilable LaTeX document
// (article, two columns, booktabs and graphicx only) holding the tables
// and the figures, each a float with caption and label.
func WriteLaTeXDocument(w io.Writer, title string, tables []*Table, figs []Figure) error {
	var b strings.Builder
	b.WriteString("% evalclip report: pdflatex report.tex builds it (booktabs, graphicx, siunitx);\n% tables.tex holds the tables alone, to \\input into a paper.\n")
	b.WriteString("\\documentclass[10pt,twocolumn]{article}\n\\usepackage[margin=0.75in]{geometry}\n\\usepackage{booktabs}\n\\usepackage{graphicx}\n\\usepackage{siunitx}\n\\sisetup{detect-weight=true, separate-uncertainty=true}\n\\usepackage[T1]{fontenc}\n")
	fmt.Fprintf(&b, "\\title{%s}\n\\date{}\n\\begin{document}\n\\maketitle\n", texEscape(title))
	for _, t := range tables {
		writeTeXTable(&b, t)
	}
	for _, f := range figs {
		fmt.Fprintf(&b, "\n\\begin{figure*}[t]\n\\centering\n\\includegraphics[width=\\textwidth]{%s}\n\\caption{%s}\n\\label{fig:%s}\n\\end{figure*}\n",
			f.Path, texEscape(f.Caption), f.Label)
	}
	b.WriteString("\n\\end{document}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTeXTable writes one table float.
func writeTeXTable(b *strings.Builder, t *Table) {
	env := "table"
	if len(t.Columns) > 9 {
		env = "table*"
	}
	width := "\\linewidth"
	if env == "table*" {
		width = "\\textwidth"
	}
	fmt.Fprintf(b, "\n\\begin{%s}[t]\n\\centering\n\\small\n", env)
	wide := len(t.Columns) > 5
	if wide {
		fmt.Fprintf(b, "\\resizebox{%s}{!}{%%\n", width)
	}
	// numbers align on the decimal marker (siunitx S columns); text in
	// them (a header, "--", "not comparable") is braced, as S columns
	// want
	b.WriteString("\\begin{tabular}{")
	for _, c := range t.Columns {
		if c.Numeric {
			b.WriteString("S")
		} else {
			b.WriteString("l")
		}
	}
	b.WriteString("}\n\\toprule\n")
	for j, c := range t.Columns {
		if j > 0 {
			b.WriteString(" & ")
		}
		if c.Numeric {
			b.WriteString("{" + texEscape(c.Title) + "}")
		} else {
			b.WriteString(texEscape(c.Title))
		}
	}
	b.WriteString(" \\\\\n\\midrule\n")
	best := bestCells(t)
	for i, row := range t.Rows {
		for j, c := range row {
			if j > 0 {
				b.WriteString(" & ")
			}
			numeric := j < len(t.Columns) && t.Columns[j].Numeric
			cell := texCell(c)
			switch {
			case numeric && c.Num && best[[2]int{i, j}]:
				cell = "\\bfseries " + cell // siunitx keeps the alignment of bold numbers
			case numeric && !c.Num:
				cell = "{" + cell + "}"
			case best[[2]int{i, j}]:
				cell = "\\textbf{" + cell + "}"
			}
			b.WriteString(cell)
		}
		b.WriteString(" \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}")
	if wide {
		b.WriteString("}")
	}
	b.WriteString("\n")
	caption := t.Title
	if t.Caption != "" {
		caption += ". " + t.Caption
	}
	fmt.Fprintf(b, "\\caption{%s}\n\\label{tab:%s}\n\\end{%s}\n", texEscape(caption), t.Name, env)
}

// bestCells marks, in each accuracy column (key ending in _pct, not a
// published number), the highest value among the evaluated rows (rows
// naming a published reference, "CLIP paper ...", are not candidates);
// ties are all marked, and a column with one value marks none.
func bestCells(t *Table) map[[2]int]bool {
	out := map[[2]int]bool{}
	for j, c := range t.Columns {
		if !c.Numeric || !strings.HasSuffix(c.Key, "_pct") || strings.Contains(c.Key, "clip_paper") || strings.Contains(c.Key, "openclip") || strings.HasPrefix(c.Key, "baseline") {
			continue
		}
		bestV, n := math.Inf(-1), 0
		for _, row := range t.Rows {
			if j >= len(row) || !row[j].Num || isReference(row) {
				continue
			}
			n++
			bestV = math.Max(bestV, row[j].V)
		}
		if n < 2 {
			continue
		}
		for i, row := range t.Rows {
			if j < len(row) && row[j].Num && !isReference(row) && row[j].V == bestV {
				out[[2]int{i, j}] = true
			}
		}
	}
	return out
}

// isReference reports whether a row holds published numbers, not a
// measurement.
func isReference(row []Cell) bool {
	return len(row) > 0 && (strings.HasPrefix(row[0].Text, "CLIP paper") || strings.HasSuffix(row[0].Text, "trained on labels"))
}

func texCell(c Cell) string {
	switch {
	case c.Num && c.HasStd && c.Text == "":
		return fmt.Sprintf("%.*f \\pm %.*f", c.Prec, c.V, c.Prec, c.Std) // siunitx reads value \pm uncertainty
	case c.Text == TextMissing:
		return "--"
	}
	return texEscape(c.String())
}

var texReplacer = strings.NewReplacer(`\`, `\textbackslash{}`, "&", `\&`, "%", `\%`, "$", `\$`, "#", `\#`,
	"_", `\_`, "{", `\{`, "}", `\}`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`,
	"±", `$\pm$`, "Δ", `$\Delta$`, "–", "--", "·", `$\cdot$`)

func texEscape(s string) string { return texReplacer.Replace(s) }

// WriteHTML writes one table as an HTML fragment (a <table> with its title
// and caption), as index.html embeds it.
func WriteHTML(w io.Writer, t *Table) error {
	var b strings.Builder
	fmt.Fprintf(&b, "<section id=\"%s\">\n<h2>%s</h2>\n", html.EscapeString(t.Name), html.EscapeString(t.Title))
	if t.Caption != "" {
		fmt.Fprintf(&b, "<p class=\"caption\">%s</p>\n", html.EscapeString(t.Caption))
	}
	b.WriteString("<table>\n<thead><tr>")
	for _, c := range t.Columns {
		fmt.Fprintf(&b, "<th%s>%s</th>", numClass(c.Numeric), html.EscapeString(c.Title))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, row := range t.Rows {
		b.WriteString("<tr>")
		for j, c := range row {
			num := j < len(t.Columns) && t.Columns[j].Numeric
			fmt.Fprintf(&b, "<td%s>%s</td>", numClass(num), html.EscapeString(c.String()))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "<p class=\"note\">%s</p>\n", html.EscapeString(n))
	}
	b.WriteString("</section>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func numClass(num bool) string {
	if num {
		return ` class="num"`
	}
	return ""
}

// jsonTable is the JSON form of a table: rows are objects keyed by column
// key; numbers stay numbers (with KEY_std for spreads), text stays text,
// missing values are null.
type jsonTable struct {
	Name    string           `json:"name"`
	Title   string           `json:"title"`
	Caption string           `json:"caption,omitempty"`
	Columns []string         `json:"columns"`
	Rows    []map[string]any `json:"rows"`
	Notes   []string         `json:"notes,omitempty"`
}

// WriteJSON writes tables as a JSON array.
func WriteJSON(w io.Writer, tables []*Table) error {
	out := make([]jsonTable, 0, len(tables))
	for _, t := range tables {
		jt := jsonTable{Name: t.Name, Title: t.Title, Caption: t.Caption, Notes: t.Notes, Rows: []map[string]any{}}
		for _, c := range t.Columns {
			jt.Columns = append(jt.Columns, c.Key)
		}
		for _, row := range t.Rows {
			m := map[string]any{}
			for j, c := range row {
				key := t.Columns[j].Key
				switch {
				case c.Num:
					m[key] = json.Number(raw(c.V))
					if c.HasStd {
						m[key+"_std"] = json.Number(raw(c.Std))
					}
				case c.Text == TextMissing:
					m[key] = nil
				default:
					m[key] = c.Text
				}
			}
			jt.Rows = append(jt.Rows, m)
		}
		out = append(out, jt)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
