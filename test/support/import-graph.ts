import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One module's relative imports, resolved to files of the repository (paths relative to its root). */
export type ImportGraph = Map<string, string[]>;

const EXTENSIONS = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** `./x` or `../y/z` from `from`, to the file it names; workspace packages by their `src/index.ts`. */
function resolve(root: string, from: string, spec: string): string | null {
  const workspace = /^@shopwatch\/([a-z-]+)(\/.*)?$/.exec(spec);
  let base: string;
  if (workspace) base = path.join(root, workspace[1]!, workspace[2] ?? 'src/index');
  else if (spec.startsWith('.')) base = path.resolve(path.dirname(from), spec);
  else return null; // a package from node_modules
  base = base.replace(/\.js$/, '');
  if (fs.existsSync(base) && fs.statSync(base).isFile()) return base;
  for (const ext of EXTENSIONS) if (fs.existsSync(base + ext)) return base + ext;
  return null;
}

/**
 * The import graph of the given folders (type-only imports included: a cycle of types is still
 * two parts that cannot be understood or replaced one without the other). Uses the TypeScript
 * compiler's own import scanner, so comments and strings that look like imports are not counted.
 */
export function importGraph(root: string, folders: string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const folder of folders) {
    for (const file of sourceFiles(path.join(root, folder))) {
      const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
      const targets = info.importedFiles
        .map((f) => resolve(root, file, f.fileName))
        .filter((f): f is string => f !== null)
        .map((f) => path.relative(root, f));
      graph.set(path.relative(root, file), [...new Set(targets)]);
    }
  }
  return graph;
}

/** Every import cycle, each as the list of files around it (Tarjan's strongly connected components). */
export function cycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}
