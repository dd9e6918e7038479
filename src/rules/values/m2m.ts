import { EditError, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import { and, ifElse, json } from './template.ts';

/**
 * oauth2-proxy.eksIssuer: with the `m2m: eks` variant (docs/choices.md), the issuer of the
 * RequestAuthentication m2m-token-issuer, which upstream's m2m-dex-and-eks overlay leaves
 * as a placeholder to edit by hand (the condition names eks too, for a reader).
 */
export const m2mRules: readonly ObjectRule[] = [
  templateRule({
    id: 'm2m-eks-issuer',
    description: 'm2m-token-issuer: jwtRules[0].issuer from oauth2-proxy.eksIssuer when m2m is eks',
    component: 'oauth2-proxy',
    // Only the eks version: the one whose issuer is upstream's EKS placeholder. It is in
    // no default build (expect 0); test/integration/choices.test.ts renders it replaced.
    select: (o) =>
      selectObject('RequestAuthentication', 'istio-system', 'm2m-token-issuer')(o) &&
      /issuer: https:\/\/oidc\.eks\./.test(o.text),
    edit(e) {
      const rules = e.value(['spec', 'jwtRules']);
      if (!Array.isArray(rules) || rules.length !== 1) {
        throw new EditError('has not exactly one jwtRules entry');
      }
      e.replaceScalar(['spec', 'jwtRules', 0, 'issuer'], (o) =>
        ifElse(
          and('(eq (toString $.Values.m2m) "eks")', '$.Values.eksIssuer'),
          json('$.Values.eksIssuer'),
          o,
        ),
      );
    },
  }),
];
