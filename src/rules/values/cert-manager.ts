import { ObjectEditor } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import { ifElse, json } from './template.ts';

/**
 * global.certManager.issuerRef (docs/choices.md, bring your own infrastructure): every
 * cert-manager Certificate of the charts names the user's issuer when its name is set;
 * upstream's own (each component's self-signed Issuer) otherwise. A generic transform:
 * every Certificate, however many, in whatever component.
 */
const ID = 'cert-manager-issuer-ref';
const REF = '$.Values.global.certManager.issuerRef';
const SET = `${REF}.name`;

export const certManagerRules: readonly ObjectRule[] = [
  {
    id: ID,
    description: 'global.certManager.issuerRef: the issuer of every cert-manager Certificate',
    generic: true,
    matches: (o) => o.kind === 'Certificate' && o.apiVersion.startsWith('cert-manager.io/'),
    apply(object) {
      const e = new ObjectEditor(object, ID);
      const ref = ['spec', 'issuerRef'];
      e.replaceScalar([...ref, 'name'], (o) => ifElse(SET, json(SET), o));
      for (const key of ['kind', 'group']) {
        if (e.has([...ref, key])) {
          e.replaceScalar([...ref, key], (o) => ifElse(SET, json(`${REF}.${key}`), o));
        } else {
          e.append(ref, SET, [`${key}: ${json(`${REF}.${key}`)}`]);
        }
      }
      return { ...object, edits: [...(object.edits ?? []), ...e.edits] };
    },
  },
];
