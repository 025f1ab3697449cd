namespace Milter.Authentication;

/// <summary>A DKIM or ARC key could not be had: the result it gives (temperror or permerror) and why.</summary>
internal sealed class DkimKeyException(AuthResult result, string reason) : Exception(reason)
{
    public AuthResult Result { get; } = result;
}
