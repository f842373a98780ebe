// The attendance grid, driven from the keyboard: the cursor starts in the first blank row, Tab
// through cells, Enter adds a row, rows pasted from Excel fill the grid, "the same people as last
// time" adds last workshop's team unticked, and the totals follow every keystroke, counting only
// the rows the server will accept. Rows are numbered as the server's messages number them. On a
// phone, enterprise, role and sex are chosen from lists. Without this script the page is a plain
// form that still posts.
(function () {
  "use strict";

  var form = document.getElementById("attendance-form");
  if (!form) return;
  var words = JSON.parse(form.dataset.words);
  var body = form.querySelector("[data-rows]");
  var template = document.getElementById("row-template");
  var CELLS = ["name", "enterprise", "role", "sex", "phone"];
  // A first pasted line whose first cell is one of these is a header row, not a person.
  var HEADERS = ["姓名", "名字", "name", "participant", "参加人员"];

  function key(text) {
    return (text || "").trim().toLowerCase();
  }

  function rows() {
    return Array.prototype.slice.call(body.querySelectorAll("tr[data-row]"));
  }

  function cell(row, name) {
    return row.querySelector('[data-cell="' + name + '"]');
  }

  function nextIndex() {
    var highest = -1;
    body.querySelectorAll('input[name^="row-"]').forEach(function (input) {
      var found = /^row-(\d+)-/.exec(input.name);
      if (found) highest = Math.max(highest, parseInt(found[1], 10));
    });
    return highest + 1;
  }

  // As on the server: the enterprise alone (carried over by Enter) leaves a row blank.
  function isBlank(row) {
    return ["name", "phone", "role", "sex"].every(function (name) {
      return !key(cell(row, name).value);
    });
  }

  function addRow(after, present) {
    var html = template.innerHTML.replace(/__i__/g, String(nextIndex()));
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    cell(row, "present").checked = present !== false;
    if (after && after.nextElementSibling) body.insertBefore(row, after.nextElementSibling);
    else body.appendChild(row);
    renumber();
    return row;
  }

  var options = document.querySelectorAll("#workshop-enterprises option");
  var enterprises = Array.prototype.map.call(options, function (option) {
    return option.value;
  });
  var codes = {};
  Array.prototype.forEach.call(options, function (option) {
    codes[key(option.dataset.code)] = option.value;
  });

  // Part of an enterprise's name becomes the whole name when only one enterprise of the workshop
  // has it (the server reads it the same way); a name no enterprise of the workshop has is marked.
  function normaliseEnterprise(input) {
    var text = key(input.value);
    if (!text) return input.classList.remove("is-invalid");
    if (codes[text]) {
      input.value = codes[text];
      return input.classList.remove("is-invalid");
    }
    var found = enterprises.filter(function (name) {
      return key(name).indexOf(text) >= 0;
    });
    var exact = enterprises.filter(function (name) {
      return key(name) === text;
    });
    if (exact.length === 0 && found.length === 1) input.value = found[0];
    input.classList.toggle("is-invalid", found.length === 0);
  }

  function choice(row, name) {
    return row.querySelector('[data-choice="' + name + '"]');
  }

  // A role or sex word becomes the label of the user's language; an unknown word is marked. The
  // row's list (shown on a phone) follows the word, and the enterprise's list the enterprise.
  function normalise(input) {
    var kind = input.dataset.cell;
    var value;
    if (kind === "enterprise") {
      normaliseEnterprise(input);
      value = enterpriseOf(input.value);
    } else if (kind === "role" || kind === "sex") {
      var text = key(input.value);
      value = words[kind][text];
      if (value) input.value = words.labels[value];
      input.classList.toggle("is-invalid", text !== "" && !value);
    } else {
      return;
    }
    var list = choice(input.closest("tr"), kind);
    list.value = value || "";
    list.classList.toggle("is-invalid", input.classList.contains("is-invalid"));
  }

  // The enterprise of the workshop a cell names, as training.services._enterprise_matcher reads
  // it: empty means the only enterprise, else the exact name, the credit code or a part of the
  // name only one enterprise has. Null when the server would refuse the cell.
  function enterpriseOf(text) {
    text = key(text);
    if (!text) return enterprises.length === 1 ? enterprises[0] : null;
    var exact = enterprises.filter(function (name) {
      return key(name) === text;
    });
    if (exact.length) return exact[0];
    if (codes[text]) return codes[text];
    var found = enterprises.filter(function (name) {
      return key(name).indexOf(text) >= 0;
    });
    return found.length === 1 ? found[0] : null;
  }

  // Name and phone as the server stores them (training.services._stored and common.text): a control
  // character is refused, tabs and line breaks become spaces, a phone loses its spaces and dashes,
  // and the field's length limit holds. Null when the server would refuse the cell. Characters are
  // counted as Python counts them: with the u flag and Array.from, an emoji is one, not two halves.
  var REFUSED = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]/u;
  function stored(input) {
    var value = input.value;
    if (REFUSED.test(value)) return null;
    value = value.replace(/\r\n|[\t\n\r]/g, " ").trim();
    if (input.dataset.cell === "phone") value = value.replace(/[\s\-]/g, "");
    var limit = parseInt(input.getAttribute("maxlength"), 10);
    return limit && Array.from(value).length > limit ? null : value;
  }

  // What the server will make of each row, with the same rules as
  // training.services.attendance_validate: a blank or unticked row is left out; a row is refused
  // when its name is missing, its enterprise is not one of the workshop's, its role or sex word is
  // unknown, a cell cannot be stored, or the same person (enterprise, name, phone) is on an
  // earlier row. Each row is {row, role, sex, refused}.
  function verdicts() {
    var seen = {};
    var result = [];
    rows().forEach(function (row) {
      if (!cell(row, "present").checked || isBlank(row)) return;
      var name = stored(cell(row, "name"));
      var phone = stored(cell(row, "phone"));
      var enterprise = enterpriseOf(cell(row, "enterprise").value);
      var role = words.role[key(cell(row, "role").value)];
      var sex = words.sex[key(cell(row, "sex").value)];
      var refused = !name || phone === null || !enterprise || !role || !sex;
      if (name && enterprise && phone !== null) {
        var person = [enterprise, key(name), phone].join("|");
        if (seen[person]) refused = true;
        seen[person] = true;
      }
      result.push({ row: row, role: role, sex: sex, refused: refused });
    });
    return result;
  }

  // Rows are numbered 1, 2, 3… down the page, blank rows included: the numbers the server's
  // messages use ("the same person is already on row 1").
  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelector("[data-row-number]").textContent = String(index + 1);
    });
  }

  function totals() {
    var count = { manager_female: 0, manager_male: 0, worker_female: 0, worker_male: 0 };
    rows().forEach(function (row) {
      row.removeAttribute("data-refused");
      row.querySelector("[data-row-number]").removeAttribute("title");
    });
    verdicts().forEach(function (verdict) {
      if (verdict.refused) {
        verdict.row.setAttribute("data-refused", "");
        verdict.row.querySelector("[data-row-number]").title = form.dataset.refused;
        return;
      }
      count[verdict.role + "_" + verdict.sex] += 1;
    });
    count.female = count.manager_female + count.worker_female;
    count.male = count.manager_male + count.worker_male;
    count.manager = count.manager_female + count.manager_male;
    count.worker = count.worker_female + count.worker_male;
    count.all = count.female + count.male;
    form.querySelectorAll("[data-total]").forEach(function (td) {
      td.textContent = String(count[td.dataset.total]);
    });
  }

  function fill(row, values, present) {
    CELLS.forEach(function (name) {
      if (values[name] !== undefined) {
        var input = cell(row, name);
        input.value = values[name];
        input.classList.remove("is-invalid");
        normalise(input);
      }
    });
    var person = row.querySelector('input[name$="-participant"]');
    person.value = values.participant || "";
    cell(row, "present").checked = present;
  }

  // The row to fill next from `row` on: itself when blank, else the next blank row, else a new one.
  function rowForFilling(row) {
    while (row && !isBlank(row)) row = row.nextElementSibling;
    return row || addRow(null, true);
  }

  body.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !(input.dataset.cell || input.dataset.choice)) return;
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      form.requestSubmit();
      return;
    }
    var row = input.closest("tr");
    var next = row.nextElementSibling;
    if (!next || !isBlank(next)) next = addRow(row, true);
    // Team members come enterprise by enterprise: carry the enterprise over.
    var enterprise = cell(row, "enterprise").value;
    if (enterprise && !cell(next, "enterprise").value) {
      cell(next, "enterprise").value = enterprise;
      normalise(cell(next, "enterprise"));
    }
    cell(next, "name").focus();
    totals();
  });

  body.addEventListener("paste", function (event) {
    var input = event.target;
    var column = CELLS.indexOf(input.dataset.cell);
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (column < 0 || !/[\t\n]/.test(text.replace(/\s+$/, ""))) return; // one value: the browser pastes it
    event.preventDefault();
    var lines = text.replace(/\r/g, "").replace(/\n+$/, "").split("\n");
    if (lines.length && HEADERS.indexOf(key(lines[0].split("\t")[0])) >= 0) lines.shift();
    var row = input.closest("tr");
    lines.forEach(function (line, number) {
      if (number > 0) row = rowForFilling(row.nextElementSibling);
      var values = {};
      line.split("\t").forEach(function (value, offset) {
        var name = CELLS[column + offset];
        if (name) values[name] = value.trim();
      });
      fill(row, values, true);
    });
    totals();
  });

  body.addEventListener("change", function (event) {
    var list = event.target;
    if (list.dataset.choice) {
      // A choice from the list becomes the word the server reads, in the user's language.
      var input = cell(list.closest("tr"), list.dataset.choice);
      if (list.dataset.choice === "enterprise") input.value = list.value;
      else input.value = list.value ? words.labels[list.value] : "";
      normalise(input);
    } else {
      normalise(list);
    }
    totals();
  });
  body.addEventListener("input", totals);

  var prefill = form.querySelector("[data-prefill]");
  prefill.addEventListener("click", function (event) {
    event.preventDefault();
    fetch(form.dataset.previousUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        var listed = {};
        rows().forEach(function (row) {
          var person = row.querySelector('input[name$="-participant"]').value;
          if (person) listed[person] = true;
          listed[[key(cell(row, "enterprise").value), key(cell(row, "name").value), key(cell(row, "phone").value)].join("|")] = true;
        });
        var row = rows()[0];
        var added = 0;
        data.people.forEach(function (person) {
          var same = [key(person.enterprise), key(person.name), key(person.phone)].join("|");
          if (listed[person.participant] || listed[same]) return;
          row = rowForFilling(row);
          fill(row, person, false);
          added += 1;
        });
        var status = form.querySelector("[data-prefill-status]");
        status.textContent = data.people.length ? status.dataset.added + added : status.dataset.none;
        totals();
      })
      .catch(function () {
        window.location.href = prefill.href; // the page renders the same list itself
      });
  });

  var add = form.querySelector("[data-add-row]");
  add.classList.remove("d-none");
  add.addEventListener("click", function () {
    var last = rows()[rows().length - 1];
    var row = addRow(last, true);
    cell(row, "name").focus();
  });

  rows().forEach(function (row) {
    ["enterprise", "role", "sex"].forEach(function (name) {
      var input = cell(row, name);
      // Keep the server's mark on a cell it rejected; normalise the others.
      if (!input.classList.contains("is-invalid")) normalise(input);
    });
  });
  // The lists for enterprise, role and sex replace the typed cells on a narrow screen
  // (static/css/training.css).
  form.classList.add("has-choices");
  renumber();
  totals();

  // The cursor starts where the trainer types next: the first cell the server refused, else the
  // name of the first blank row, not nine Tabs away in the page's header.
  var phone = window.matchMedia("(max-width: 575.98px)").matches;
  var refused = body.querySelector("input.is-invalid:not([type=hidden])");
  var first = refused;
  if (first && first.offsetParent === null) first = choice(first.closest("tr"), first.dataset.cell);
  if (first) {
    // After a refused save the page opens at the first error, whichever row it is in (on a phone
    // the last row is thousands of pixels down), in the middle of the screen: clear of the sticky
    // bar of totals and Save at the bottom (static/css/training.css).
    // "instant": the portal's stylesheet makes scrolling smooth, and an 8,000 px glide on
    // opening would only delay the trainer.
    first.focus({ preventScroll: true });
    first.scrollIntoView({ block: "center", behavior: "instant" });
    return;
  }
  var blank = rows().filter(isBlank)[0] || addRow(null, true);
  // On a phone a fresh page still opens at its top (title, workshop, help): the trainer taps a card.
  cell(blank, "name").focus({ preventScroll: phone });
})();
