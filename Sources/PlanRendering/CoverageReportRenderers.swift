import PolicyEvaluation
import PolicyModel

/// Text for HTML: the one escape every tenant-supplied string goes through, in element content and
/// in attribute values alike (the five characters that can end either).
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// `entraform report` as one self-contained HTML page: inline style and script, no network at view time.
public enum CoverageHTMLRenderer {
    /// Rows laid out when the page opens; the rest wait, parsed but not rendered, in a `<template>`
    /// until the filter is used or "Show all" is pressed (a large tenant's matrix otherwise takes the
    /// browser many seconds to lay out before anything shows).
    public static let eagerRows = 300

    public static func render(_ report: CoverageReport, eagerRows: Int = eagerRows) -> String {
        let e = HTMLText.escape
        let matrix = report.matrix
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>entraform coverage report</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
            <h1>Conditional Access coverage</h1>
            <p id="source">\(e(CoverageWords.source(report.source)))</p>
            <p id="counts">\(e(CoverageWords.counts(report)))</p>
            <p id="assumptions">\(e(CoverageWords.assumptions(matrix.assumptions)))</p>

            """
        for note in report.notes { html += "<p class=\"note\">\(e(note))</p>\n" }
        if matrix.beforeCells != nil {
            html += "<p id=\"changes\"><span class=\"cell changed\">before → after</span> \(matrix.changedCellCount) of "
                + "\(matrix.rows.count * matrix.columns.count) cells change: the tenant as it is, then as the plan leaves it.</p>\n"
        }
        html += """
            <p class="legend"><span class="cell blocked">block</span> <span class="cell requires">requires controls</span> \
            <span class="cell allowed">allowed</span> <span class="badge">emergency access</span> \
            Hover a cell for the policies behind it; click it to keep the detail below the filter.</p>
            </header>
            <nav><a href="#matrix-section">Matrix</a> · <a href="#lint">Lint findings (\(report.diagnostics.count))</a> · \
            <a href="#policies">Policies (\(matrix.policies.count))</a></nav>
            <section id="matrix-section">
            <h2>Matrix</h2>
            <label for="filter">Filter rows and columns:</label>
            <input id="filter" type="search" autocomplete="off" placeholder="group, role, user, application or platform">
            <span id="visible-count" aria-live="polite"></span>
            <pre id="detail" hidden></pre>

            """
        if matrix.rows.count > eagerRows {
            html += "<p id=\"deferred\">The first \(eagerRows) of \(matrix.rows.count) populations are laid out; the filter searches them all, "
                + "and <button id=\"show-all\" type=\"button\">Show all \(matrix.rows.count)</button> lays out the rest.</p>\n"
        }
        html += """
            <div class="scroll">
            <table id="matrix" data-rows="\(matrix.rows.count)" data-columns="\(matrix.columns.count)">
            <thead><tr><th class="corner">population</th>
            """
        for (index, column) in matrix.columns.enumerated() {
            html += "<th class=\"col\" data-col=\"\(index)\" title=\"\(e(CoverageWords.column(column)))\">\(e(column.application))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        // Each distinct cell text once, in a hidden list the script reads for hover and click: a cell
        // carries its number, so 2,000 populations × many columns stay a few bytes per cell.
        var details: [String] = []
        var detailNumbers: [String: Int] = [:]
        for (rowIndex, row) in matrix.rows.enumerated() {
            if rowIndex == eagerRows { html += "</tbody>\n</table>\n</div>\n<template id=\"deferred-rows\">\n" }
            let label = CoverageWords.population(row, report)
            let members = CoverageWords.members(row)
            html += "<tr class=\"row\(row.isEmergencyAccess ? " emergency" : "")\" data-row=\"\(rowIndex)\"><th class=\"population\""
            if let members { html += " title=\"\(e(members))\"" }
            html += ">\(e(label))"
            if let count = row.count { html += " <small>(\(count))</small>" }
            if row.isEmergencyAccess { html += " <span class=\"badge\">emergency access</span>" }
            html += "</th>"
            for (columnIndex, cell) in matrix.cells[rowIndex].enumerated() {
                let detail = CoverageWords.detail(cell)
                let number = detailNumbers[detail] ?? details.count
                if number == details.count {
                    details.append(detail)
                    detailNumbers[detail] = number
                }
                let changed = matrix.changed(rowIndex, columnIndex)
                html += "<td class=\"cell \(cell.kind.rawValue)\(changed ? " changed" : "")\" data-col=\"\(columnIndex)\" data-o=\"\(number)\">"
                if changed, let old = matrix.beforeCells?[rowIndex][columnIndex] {
                    html += "<s>" + e(CoverageWords.short(old)) + "</s> → "
                }
                html += e(CoverageWords.short(cell)) + (cell.reportOnlyPolicies.isEmpty ? "" : "<sup>ro</sup>") + "</td>"
            }
            html += "</tr>\n"
        }
        html += matrix.rows.count > eagerRows ? "</template>\n" : "</tbody>\n</table>\n</div>\n"
        html += "<ol id=\"outcomes\" hidden>\n"
        for detail in details { html += "<li>\(e(detail))</li>\n" }
        html += "</ol>\n</section>\n"
        html += "<section id=\"lint\">\n<h2>Lint findings</h2>\n"
        if report.diagnostics.isEmpty {
            html += "<p>No findings.</p>\n"
        } else {
            html += "<ul>\n"
            for diagnostic in report.diagnostics {
                html += "<li class=\"\(diagnostic.severity.rawValue)\">\(e(CoverageWords.diagnostic(diagnostic)))</li>\n"
            }
            html += "</ul>\n"
        }
        html += "</section>\n<section id=\"policies\">\n<h2>Policies</h2>\n"
        for (index, policy) in matrix.policies.enumerated() {
            let name = policy["displayName"]?.stringValue ?? ""
            html += "<details class=\"policy\" id=\"policy-\(index)\"><summary>\(e(name)) <small>[\(e(CoverageWords.state(policy)))]</small></summary><ul>"
            for line in CoverageWords.conditions(policy, grant: matrix.grants[index], report) { html += "<li>\(e(line))</li>" }
            html += "</ul></details>\n"
        }
        html += "</section>\n<script>\(script)</script>\n</body>\n</html>\n"
        return html
    }

    static let style = """
        body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:1rem 2rem;color:#1b1f24}
        h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:1.5rem}
        header p{margin:.2rem 0}.note{color:#57606a}
        .scroll{overflow:auto;max-height:75vh;border:1px solid #d0d7de}
        table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:2px 6px;white-space:nowrap}
        thead th{position:sticky;top:0;background:#f6f8fa;z-index:1;font-weight:600;vertical-align:bottom}
        th.population{position:sticky;left:0;background:#fff;text-align:left;font-weight:normal}
        th.corner{left:0;z-index:2}
        .cell{cursor:pointer;text-align:center;font-size:12px}
        .blocked{background:#ffd7d5;color:#82071e}.requires{background:#fff1c2;color:#6c4400}.allowed{background:#dafbe1;color:#116329}
        span.cell{padding:1px 6px;border-radius:3px}
        .changed{outline:3px solid #8250df;outline-offset:-3px;font-weight:600}.changed s{font-weight:normal;opacity:.7}
        tr.emergency th.population{background:#ddf4ff;font-weight:600}tr.emergency td{outline:2px solid #0969da;outline-offset:-2px}
        .badge{background:#0969da;color:#fff;border-radius:8px;padding:0 6px;font-size:11px}
        #filter{width:24rem;margin:.4rem}#detail{background:#f6f8fa;border:1px solid #d0d7de;padding:.5rem;white-space:pre-wrap}
        .hidden{display:none}li.error{color:#82071e}li.warning{color:#6c4400}
        details.policy{margin:.2rem 0}details.policy ul{margin:.2rem 0 .5rem}
        """

    /// Filters rows by their label and columns by their header: a text that names no row keeps every
    /// row (and filters columns), one that names no column keeps every column.
    static let script = """
        (function(){
        var input=document.getElementById('filter'),table=document.getElementById('matrix'),count=document.getElementById('visible-count');
        var deferred=document.getElementById('deferred-rows'),total=+table.getAttribute('data-rows'),rows,labels;
        function collect(){rows=Array.prototype.slice.call(table.tBodies[0].rows);labels=rows.map(function(r){return r.cells[0].textContent.toLowerCase();});}
        function layOutAll(){
          if(!deferred)return;
          table.tBodies[0].appendChild(deferred.content);deferred.parentNode.removeChild(deferred);deferred=null;
          var note=document.getElementById('deferred');if(note)note.hidden=true;
          collect();
        }
        collect();
        var heads=Array.prototype.slice.call(table.tHead.rows[0].cells,1);
        var names=heads.map(function(h){return (h.getAttribute('title')||h.textContent).toLowerCase();});
        function apply(){
          var q=input.value.trim().toLowerCase();
          var rowHit=labels.map(function(l){return q===''||l.indexOf(q)>=0;});
          var colHit=names.map(function(n){return q===''||n.indexOf(q)>=0;});
          var anyRow=rowHit.indexOf(true)>=0,anyCol=colHit.indexOf(true)>=0;
          if(!anyRow&&anyCol){rowHit=rowHit.map(function(){return true;});}
          if(!anyCol){colHit=colHit.map(function(){return true;});}
          var shownRows=0,shownCols=0;
          rows.forEach(function(r,i){r.classList.toggle('hidden',!rowHit[i]);if(rowHit[i])shownRows++;});
          colHit.forEach(function(v){if(v)shownCols++;});
          var cells=table.querySelectorAll('[data-col]');
          for(var k=0;k<cells.length;k++){cells[k].classList.toggle('hidden',!colHit[+cells[k].getAttribute('data-col')]);}
          table.setAttribute('data-visible-rows',shownRows);table.setAttribute('data-visible-columns',shownCols);
          count.textContent='showing '+shownRows+' of '+total+' populations, '+shownCols+' of '+heads.length+' columns';
        }
        var details=Array.prototype.map.call(document.querySelectorAll('#outcomes li'),function(li){return li.textContent;});
        table.addEventListener('mouseover',function(event){
          var cell=event.target.closest('td.cell');if(cell&&!cell.title)cell.title=details[+cell.getAttribute('data-o')];
        });
        var timer=null;
        input.addEventListener('input',function(){layOutAll();clearTimeout(timer);timer=setTimeout(apply,rows.length>500?150:0);});
        var all=document.getElementById('show-all');if(all)all.addEventListener('click',function(){layOutAll();apply();});
        table.addEventListener('click',function(event){
          var cell=event.target.closest('td.cell');if(!cell)return;
          var detail=document.getElementById('detail'),row=cell.parentNode.cells[0].textContent,col=heads[+cell.getAttribute('data-col')];
          detail.textContent=row+' \\u2192 '+(col.getAttribute('title')||col.textContent)+'\\n'+details[+cell.getAttribute('data-o')];detail.hidden=false;
        });
        apply();
        })();
        """
}

/// `entraform report --format markdown`: the same report for a pull request or a job summary.
public enum CoverageMarkdownRenderer {
    /// Text in a Markdown table cell: HTML-escaped (GitHub renders inline HTML) and `|` escaped.
    static func cell(_ text: String) -> String {
        HTMLText.escape(text).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>")
    }

    public static func render(_ report: CoverageReport, maximumRows: Int = 200) -> String {
        let matrix = report.matrix
        var out = "## Conditional Access coverage\n\n"
        out += "\(cell(CoverageWords.source(report.source))).\n\n\(cell(CoverageWords.counts(report))). \(cell(CoverageWords.assumptions(matrix.assumptions)))\n\n"
        for note in report.notes { out += "- \(cell(note))\n" }
        if !report.notes.isEmpty { out += "\n" }
        if matrix.beforeCells != nil {
            out += "\(matrix.changedCellCount) of \(matrix.rows.count * matrix.columns.count) cells change (before → after).\n\n"
        }
        out += "| population | " + matrix.columns.map { cell(CoverageWords.column($0)) }.joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---|", count: matrix.columns.count) + "\n"
        for (index, row) in matrix.rows.prefix(maximumRows).enumerated() {
            var label = CoverageWords.population(row, report)
            if let count = row.count { label += " (\(count))" }
            if row.isEmergencyAccess { label = "**\(cell(label))** 🛟 emergency access" } else { label = cell(label) }
            out += "| \(label) | " + matrix.cells[index].enumerated().map { column, value in
                func shown(_ value: CoverageMatrix.Cell) -> String {
                    let symbol = switch value.kind {
                    case .blocked: "⛔"
                    case .requires: "🔐"
                    case .allowed: "✅"
                    }
                    return "\(symbol) \(cell(CoverageWords.short(value)))"
                }
                guard matrix.changed(index, column), let old = matrix.beforeCells?[index][column] else { return shown(value) }
                return "**\(shown(old)) → \(shown(value))**"
            }.joined(separator: " | ") + " |\n"
        }
        if matrix.rows.count > maximumRows {
            out += "\n\(matrix.rows.count - maximumRows) more populations are in the HTML report (`entraform report --out report.html`).\n"
        }
        out += "\n### Lint findings\n\n"
        out += report.diagnostics.isEmpty ? "No findings.\n" : report.diagnostics.map { "- \(cell(CoverageWords.diagnostic($0)))\n" }.joined()
        out += "\n<details><summary>Policies (\(matrix.policies.count))</summary>\n\n"
        for (index, policy) in matrix.policies.enumerated() {
            out += "- **\(cell(policy["displayName"]?.stringValue ?? ""))** [\(cell(CoverageWords.state(policy)))]\n"
            for line in CoverageWords.conditions(policy, grant: matrix.grants[index], report) { out += "  - \(cell(line))\n" }
        }
        out += "\n</details>\n"
        return out
    }
}
