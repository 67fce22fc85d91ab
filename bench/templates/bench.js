// The Handlebars side of bench/templates/run.sh: the same email (email.hbs, subject.hbs: the
// equivalent of email.html and subject.txt), the same data, precompiled once with
// Handlebars.compile, rendered in a loop. Prints one JSON line per repetition:
// {"renders": N, "cpu_s": ..., "wall_s": ...}.
'use strict';
const fs = require('fs');
const path = require('path');
const Handlebars = require('handlebars');

const read = (name) => fs.readFileSync(path.join(__dirname, name), 'utf8');
// Spintax has no Handlebars equivalent: a helper choosing by the seed stands in for it.
Handlebars.registerHelper('spin', function (seed, ...rest) {
  const options = rest.slice(0, -1);
  return options[seed % options.length];
});
const subject = Handlebars.compile(read('subject.hbs'));
const html = Handlebars.compile(read('email.hbs'));

const data = {
  first_name: 'Ann',
  last_name: 'Lee',
  company: 'Northwind Traders',
  title: 'VP Engineering',
  email: 'ann.lee@northwind.example',
  custom: {industry: 'fintech'},
  sender: {first_name: 'Bob'},
  unsubscribe_url: 'https://t.cadent.example.com/u/8f3a9c0d2b7e41f6a5d3?s=12&c=3456',
  seed: 0,
};

const reps = Number(process.argv[2] || 1);
const minSeconds = Number(process.argv[3] || 1);
let sink = 0;
for (let i = 0; i < 50000; ++i) {  // warm-up: lazy compile and JIT
  data.seed = i;
  sink += subject(data).length + html(data).length;
}
for (let r = 0; r < reps; ++r) {
  let renders = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  let wall = 0;
  while (wall < minSeconds) {
    for (let i = 0; i < 10000; ++i) {
      data.seed = renders + i;
      sink += subject(data).length + html(data).length;
    }
    renders += 10000;
    wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({renders, cpu_s: (cpu.user + cpu.system) / 1e6, wall_s: wall}));
}
if (sink === 0) console.error('nothing rendered');
