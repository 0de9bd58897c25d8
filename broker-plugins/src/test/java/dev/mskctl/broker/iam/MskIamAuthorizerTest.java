package dev.mskctl.broker.iam;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MskIamAuthorizerTest {
    @Test
    void iamUserRoleAndSessionArnsAreIamPrincipals() {
        assertTrue(MskIamAuthorizer.isIamPrincipalName("arn:aws:iam::123456789012:user/app"));
        assertTrue(MskIamAuthorizer.isIamPrincipalName("arn:aws:sts::123456789012:assumed-role/app/session"));
        assertTrue(MskIamAuthorizer.isIamPrincipalName("arn:aws-cn:iam::123456789012:role/app"));
    }

    @Test
    void scramUsersDnsAndOtherArnsAreNot() {
        assertFalse(MskIamAuthorizer.isIamPrincipalName("producer-app"));
        assertFalse(MskIamAuthorizer.isIamPrincipalName("CN=client,O=mskctl local MSK"));
        assertFalse(MskIamAuthorizer.isIamPrincipalName("arn:aws:kafka:us-east-1:123456789012:cluster/a/b"));
        assertFalse(MskIamAuthorizer.isIamPrincipalName(null));
    }
}
