// Exercises (the lab file's `exercises:` list) as zod schemas: what an exercise
// breaks, what it asks, and which checks prove the fix. Rules that need the rest
// of the lab (parts, objects, check names) are in exercises.ts.
import { impairSchema } from './impair.js';
import { z } from 'zod';
import { describeValue, withHint } from '../read/issues.js';
import { formatPath } from '../read/positions.js';
import { dnsLabel } from './parts.js';

export const LANGUAGES = { en: 'English', ko: 'Korean' } as const;
export type Language = keyof typeof LANGUAGES;

/** Where an issue is, below the exercise (`title`, `hints[1]`), for messages. */
const where = (path: readonly PropertyKey[]): string => formatPath(path.filter((s): s is string | number => typeof s !== 'symbol'));

function languageText(language: Language) {
  return z
    .string({
      error: (iss) => {
        if (iss.input !== undefined) return undefined;
        const owner = where(iss.path?.slice(0, -1) ?? []);
        return withHint(
          `${owner ? `\`${owner}\`` : 'this text'} has no ${LANGUAGES[language]} text (\`${language}\`)`,
          language === 'ko'
            ? "add `ko:` with the Korean text beside `en:`: the seed's readers are Korean, so every text is written in both languages"
            : 'add `en:` with the English text beside `ko:`: every text is written in both languages',
        );
      },
    })
    .min(1)
    .meta({ description: `${LANGUAGES[language]}.` });
}

/** Text in English and Korean. */
export const localizedSchema = z
  .strictObject(
    { en: languageText('en'), ko: languageText('ko') },
    {
      error: (iss) => {
        if (iss.code !== 'invalid_type' || iss.input === undefined) return undefined;
        const key = where(iss.path ?? []) || 'text';
        return withHint(
          `\`${key}\` needs the text in English and Korean, not ${describeValue(iss.input)} alone`,
          typeof iss.input === 'string'
            ? `write {en: ${JSON.stringify(iss.input)}, ko: <the same in Korean>}`
            : 'write {en: <English text>, ko: <Korean text>}',
        );
      },
    },
  )
  .meta({
    description: 'The same text in English (en) and Korean (ko); both are required.',
    examples: [{ en: 'The Service lost its pods', ko: '서비스가 파드를 잃었습니다' }],
  });

// ---------------------------------------------------------------- faults

export const FAULT_KINDS = ['exec', 'apply', 'delete', 'impair'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const execFaultSchema = z
  .strictObject({
    exec: z
      .strictObject({
        on: z
          .string()
          .min(1)
          .meta({
            description: 'Where the command runs: `router`, a node name, a pod (<pod>, <pod>.<namespace>) or <pod>/<container>.',
            examples: ['router', 'node1', 'client/app'],
          }),
        command: z
          .array(z.string())
          .min(1)
          .meta({
            description: 'The command and its arguments (argv; no shell unless you run one: [sh, -c, "..."]).',
            examples: [['ip', 'route', 'del', '10.0.2.0/24']],
          }),
      })
      .meta({ description: 'A command netlab runs in a part of the lab, as `netlab exec` does.' }),
  })
  .meta({ title: 'exec fault', description: 'Breaks the lab by running a command in a part of it (e.g. deleting a route on the router).' });

export const applyFileSchema = z
  .strictObject({
    file: z
      .string()
      .min(1)
      .meta({
        description: "A YAML file of manifests (documents separated by ---), relative to the lab file's folder.",
        examples: ['faults/wrong-selector.yaml'],
      }),
  })
  .meta({ description: 'Manifests read from a file.' });

export const applyFaultSchema = z
  .strictObject({
    apply: z
      .union([
        z.string().min(1).meta({ description: 'Pod, Deployment and Service manifests written in place, as a block (`apply: |`), documents separated by ---.' }),
        applyFileSchema,
      ])
      .meta({ description: "Manifests applied over the lab's own, as `netlab apply` (objects of the same kind, namespace and name are replaced)." }),
  })
  .meta({ title: 'apply fault', description: 'Breaks the lab by applying changed manifests (a wrong selector, targetPort or port).' });

export const deleteFaultSchema = z
  .strictObject({
    delete: z
      .string()
      .min(1)
      .meta({
        description: "The object to delete, as `netlab delete`: service/<name>, deployment/<name> or pod/<name>; it must be one of the lab's.",
        examples: ['service/web', 'deployment/server'],
      }),
    namespace: dnsLabel('namespace', 63, 'default').default('default').meta({ description: 'The object\'s namespace (default "default").' }),
  })
  .meta({ title: 'delete fault', description: 'Breaks the lab by deleting one of its objects.' });

export const impairFaultSchema = z
  .strictObject({ impair: impairSchema })
  .meta({ title: 'impair fault', description: 'Breaks the lab by impairing a link, as `netlab impair` does (a lossy or slow link).' });

/** What an exercise breaks: exactly one of exec, apply, delete or impair. */
export const faultSchema = z
  .union([execFaultSchema, applyFaultSchema, deleteFaultSchema, impairFaultSchema])
  .meta({ description: 'One change that breaks the lab: exactly one of exec, apply, delete or impair.' });

// ---------------------------------------------------------------- exercises

const exerciseFields = {
  id: dnsLabel('exercise id', 63, 'wrong-selector').meta({
    description: 'A short slug, unique in the lab (lowercase letters, digits and "-"); exercises are also numbered from 1.',
    examples: ['wrong-selector'],
  }),
  title: localizedSchema.meta({ description: 'A one-line title, in English (en) and Korean (ko).' }),
  instructions: localizedSchema.meta({ description: 'What the student is told: the symptom and the task, in English (en) and Korean (ko).' }),
  hints: z
    .array(localizedSchema)
    .min(1, { error: withHint('an exercise needs at least one hint', 'add `- {en: ..., ko: ...}` under hints: they are revealed one at a time') })
    .meta({ description: 'Hints revealed one at a time (at least one), each in English (en) and Korean (ko).' }),
  checks: z
    .array(z.string().min(1))
    .min(1, {
      error: withHint('an exercise needs at least one check', "list the names of the lab's checks that prove the fix, e.g. checks: [client reaches web]"),
    })
    .meta({
      description: "Names of the lab's checks that prove the fix (at least one); each must fail once the faults are applied and pass once fixed.",
      examples: [['client reaches web']],
    }),
  solution: z
    .array(z.string())
    .default([])
    .meta({
      description: 'Shell commands (run on the host; `netlab` means this netlab) that fix it, for tests and instructors.',
      examples: [['netlab apply my-lab -f fixed.yaml']],
    }),
};

export const exerciseSchema = z
  .strictObject({
    ...exerciseFields,
    faults: z.array(faultSchema).min(1).meta({ description: 'What breaks the lab, applied in order after `up` (at least one).' }),
  })
  .meta({ description: 'A troubleshooting exercise: faults break the lab, the student finds and fixes them, the listed checks prove it.' });

/** An exercise with its faults taken as-is (each is read on its own). */
export const exerciseShellSchema = z.strictObject({
  ...exerciseFields,
  faults: z.array(z.unknown()).min(1, {
    error: withHint(
      'an exercise needs at least one fault',
      'add under faults: `- delete: service/<name>`, `- apply: {file: fault.yaml}` or `- exec: {on: router, command: [...]}`',
    ),
  }),
});

export type ExerciseShellInput = z.output<typeof exerciseShellSchema>;
