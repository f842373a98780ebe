// The attendance grid, driven from the keyboard: Tab through cells, Enter adds a row, rows pasted
// from Excel fill the grid, "the same people as last time" adds last workshop's team unticked, and
// the totals follow every keystroke. Without this script the page is a plain form that still posts.
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

  // A role or sex word becomes the label of the user's language; an unknown word is marked.
  function normalise(input) {
    var kind = input.dataset.cell;
    if (kind === "enterprise") return normaliseEnterprise(input);
    if (kind !== "role" && kind !== "sex") return;
    var text = key(input.value);
    var value = words[kind][text];
    if (value) input.value = words.labels[value];
    input.classList.toggle("is-invalid", text !== "" && !value);
  }

  function totals() {
    var count = { manager_female: 0, manager_male: 0, worker_female: 0, worker_male: 0 };
    rows().forEach(function (row) {
      if (!cell(row, "present").checked || isBlank(row)) return;
      var role = words.role[key(cell(row, "role").value)];
      var sex = words.sex[key(cell(row, "sex").value)];
      if (role && sex) count[role + "_" + sex] += 1;
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
    if (event.key !== "Enter" || !input.dataset.cell) return;
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
    if (enterprise && !cell(next, "enterprise").value) cell(next, "enterprise").value = enterprise;
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
    normalise(event.target);
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
  totals();
})();
