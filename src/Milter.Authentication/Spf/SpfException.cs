namespace Milter.Authentication;

/// <summary>Ends an SPF evaluation with temperror or permerror from however deep in include/redirect it arose.</summary>
internal sealed class SpfException(AuthResult result, string reason) : Exception(reason)
{
    public AuthResult Result { get; } = result;
}
